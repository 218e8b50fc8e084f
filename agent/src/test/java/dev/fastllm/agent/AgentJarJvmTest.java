package dev.fastllm.agent;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fastllm.agent.launch.AgentClassLoader;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built {@code fast-llm-agent.jar}: its manifest, its layout (only the launcher and the bridges are plain
 * classes; everything else is hidden under {@code inst/}, third-party code relocated under
 * {@code dev.fastllm.shaded}), and the relocated rank files read by the bundled accel-core through the
 * agent's class loader, counting exactly as JTokkit.
 */
class AgentJarJvmTest {

    @Test
    void manifestNamesEveryEntryPoint() throws Exception {
        try (JarFile jar = new JarFile(ChildJvm.AGENT_JAR.toFile())) {
            Attributes a = jar.getManifest().getMainAttributes();
            assertEquals("dev.fastllm.agent.launch.AgentLauncher", a.getValue("Premain-Class"));
            assertEquals("dev.fastllm.agent.launch.AgentLauncher", a.getValue("Agent-Class"));
            assertEquals("dev.fastllm.agent.launch.AttachMain", a.getValue("Main-Class"));
            assertEquals("true", a.getValue("Can-Retransform-Classes"));
        }
    }

    @Test
    void onlyTheLauncherAndTheBridgesAreVisibleEverythingElseIsHiddenAndRelocated() throws Exception {
        List<String> wrong = new ArrayList<>();
        int hidden = 0;
        try (JarFile jar = new JarFile(ChildJvm.AGENT_JAR.toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String n = e.getName();
                if (e.isDirectory() || n.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                if (n.startsWith("inst/")) {
                    hidden++;
                    String inner = n.substring("inst/".length());
                    boolean ours = inner.startsWith("dev/fastllm/agent/") || inner.startsWith("dev/fastllm/fallback/")
                            || inner.startsWith("dev/fastllm/core/") || inner.startsWith("dev/fastllm/shaded/")
                            || inner.startsWith("META-INF/");
                    if (!ours || inner.endsWith(".class")) {
                        wrong.add(n);
                    }
                } else if (!(n.startsWith("dev/fastllm/agent/launch/") || n.startsWith("dev/fastllm/agent/bootstrap/"))
                        || !n.endsWith(".class")) {
                    wrong.add(n);
                }
            }
            assertNotNull(jar.getEntry("inst/dev/fastllm/shaded/com/knuddels/jtokkit/o200k_base.tiktoken"));
            assertNotNull(jar.getEntry("inst/dev/fastllm/shaded/net/bytebuddy/ByteBuddy.classdata"));
            assertNotNull(jar.getEntry("inst/dev/fastllm/shaded/com/github/benmanes/caffeine/cache/Caffeine.classdata"));
            assertNotNull(jar.getEntry("inst/dev/fastllm/shaded/io/micrometer/prometheusmetrics/PrometheusMeterRegistry.classdata"));
            assertNotNull(jar.getEntry("inst/dev/fastllm/shaded/org/HdrHistogram/Histogram.classdata"));
        }
        assertTrue(hidden > 1000, "hidden entries: " + hidden);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theBundledCounterReadsTheRelocatedRankFilesAndCountsExactly() throws Exception {
        try (JarFile jar = new JarFile(ChildJvm.AGENT_JAR.toFile());
             AgentLoaderHandle h = new AgentLoaderHandle(jar)) {
            ClassLoader agent = h.loader;
            assertNull(agent.getResource("com/knuddels/jtokkit/o200k_base.tiktoken"), "JTokkit's own path is not ours");
            try (InputStream in = agent.getResourceAsStream("dev/fastllm/shaded/com/knuddels/jtokkit/cl100k_base.tiktoken")) {
                assertNotNull(in);
            }
            Class<?> counter = Class.forName("dev.fastllm.core.tokens.TokenCounter", true, agent);
            assertEquals(agent, counter.getClassLoader());
            String text = "Exactness through relocation: 日本語 🤖 <|endoftext|> " + "lorem ipsum ".repeat(50);
            for (EncodingType type : new EncodingType[] {EncodingType.O200K_BASE, EncodingType.CL100K_BASE}) {
                Object c = counter.getMethod("of", String.class).invoke(null, type.getName());
                int ours = (Integer) counter.getMethod("count", CharSequence.class).invoke(c, text);
                assertEquals(Encodings.newLazyEncodingRegistry().getEncoding(type).countTokensOrdinary(text), ours);
            }
        }
    }

    /** An agent class loader over the real jar, as the launcher makes it. */
    static final class AgentLoaderHandle implements AutoCloseable {
        final AgentClassLoader loader;

        AgentLoaderHandle(JarFile jar) throws Exception {
            this.loader = new AgentClassLoader(jar, ChildJvm.AGENT_JAR.toFile(), ClassLoader.getPlatformClassLoader());
        }

        @Override
        public void close() {
        }
    }
}
