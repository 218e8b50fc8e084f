package dev.fastllm.agent;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.fastllm.agent.JTokkitJvmTest.metric;
import static dev.fastllm.agent.JTokkitJvmTest.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spring AI on the JTokkit points: a real Spring AI application ({@code apps/SpringAiTokensApp.java}, compiled
 * against each version's own jars and run in a child JVM with and without the real agent jar) splits real text
 * with {@code TokenTextSplitter}, estimates chat-sized texts, whole files and media messages with
 * {@code JTokkitTokenCountEstimator} and batches the chunks with {@code TokenCountBatchingStrategy}, and prints the
 * same chunks, counts and batches (by checksum) without the agent and with the JTokkit points on (then answering
 * every call except those where JTokkit throws), off, {@code canary:50}, {@code shadow:100} and failing on every
 * call. Spring AI's newest and oldest supported versions both run in every mode (the newest also with the points on
 * on JDK 25, when installed).
 */
class SpringAiJvmTest {

    static final Path APP = Path.of("target", "test-classes", "apps", "SpringAiTokensApp.java").toAbsolutePath();
    static final Path CORPUS = Path.of("..", "accel-core", "src", "test", "resources", "corpus").toAbsolutePath();
    /** Chars of each corpus file the application reads: multi-KB texts, short enough for a quick test. */
    static final int CHARS = 20_000;

    /** Calls that must fall back to JTokkit: encoding text with a special token, by two splitters and two estimators. */
    static final int MUST_DECLINE = 4;

    static final String[] VERSIONS = System.getProperty("spring-ai.versions").split(",");

    /** One Spring AI version: its jars, the application compiled against them, and its output without the agent. */
    static final class Version {
        final String version;
        final List<Path> classpath = new ArrayList<>();
        final String plain;

        Version(String version) throws Exception {
            this.version = version;
            Path dir = ChildJvm.TEST_APPS.resolve("spring-ai-" + version);
            try (Stream<Path> jars = Files.list(dir)) {
                jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(classpath::add);
            }
            assertTrue(classpath.stream().anyMatch(p -> p.getFileName().toString()
                    .equals("spring-ai-commons-" + version + ".jar")), classpath.toString());
            Path classes = ChildJvm.TEST_APPS.resolve("spring-ai-" + version + "-app");
            compile(classes);
            classpath.add(0, classes);
            try (ChildJvm jvm = ChildJvm.spec().main(classpath, "SpringAiTokensApp", args(null)).start(
                    "spring-ai-" + version + "-plain")) {
                assertEquals(0, jvm.awaitExit(120_000), jvm.describe());
                plain = jvm.stdout();
            }
            assertEquals(34, plain.lines().count(), plain);
            assertTrue(plain.contains("split default prose.txt chunks "), plain);
            assertTrue(plain.contains("split small special threw java.lang.UnsupportedOperationException"), plain);
            assertTrue(plain.contains("estimate o200k_base media "), plain);
        }

        private void compile(Path classes) throws IOException {
            Files.createDirectories(classes);
            StringBuilder cp = new StringBuilder();
            for (Path p : classpath) {
                cp.append(cp.length() == 0 ? "" : java.io.File.pathSeparator).append(p);
            }
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = javac.run(null, null, new PrintStream(err, true, StandardCharsets.UTF_8), "-nowarn",
                    "-d", classes.toString(), "-cp", cp.toString(), APP.toString());
            assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        }

        /** Runs the application with the agent and these settings; its output must be the plain run's. */
        String withAgent(String mode, String settings) throws Exception {
            return withAgent(mode, settings, ChildJvm.CURRENT_JAVA_HOME);
        }

        String withAgent(String mode, String settings, Path javaHome) throws Exception {
            int port = ChildJvm.freePort();
            String agentArgs = "metrics.port=" + port + (settings == null ? "" : "," + settings);
            try (ChildJvm jvm = ChildJvm.spec().javaHome(javaHome).agent(agentArgs).main(classpath, "SpringAiTokensApp",
                    args(Integer.toString(port))).start("spring-ai-" + version + "-" + mode)) {
                assertEquals(0, jvm.awaitExit(120_000), jvm.describe());
                assertEquals(plain, jvm.stdout(), "Spring AI " + version + " answers differently: " + mode);
                return jvm.stderr();
            }
        }
    }

    static String[] args(String metricsPort) {
        List<String> args = new ArrayList<>(List.of("--chars", Integer.toString(CHARS)));
        if (metricsPort != null) {
            args.add("--metrics");
            args.add(metricsPort);
        }
        for (String f : new String[] {"prose", "code", "json", "cjk", "mixed"}) {
            args.add(CORPUS.resolve(f + ".txt").toString());
        }
        return args.toArray(new String[0]);
    }

    /** Every point applied, every call fast but those where JTokkit throws, encodings built once. */
    static void assertOn(String err) {
        assertTrue(err.contains(JTokkitJvmTest.APPLIED), err);
        assertTrue(err.contains(JTokkitJvmTest.REGISTRY_APPLIED), err);
        assertTrue(metric(err, "fastllm_calls_total", "fast") > 2_000, err);
        assertEquals(MUST_DECLINE, metric(err, "fastllm_calls_total", "fallback"), err);
        assertEquals(MUST_DECLINE, metric(err, "fastllm_declines_total", null), err);
        assertEquals(0, metric(err, "fastllm_errors_total", null), err);
        assertEquals(0, metric(err, "fastllm_calls_total", "original"), err);
        // two splitters, four estimators and four batching strategies ask for an encoding: cl100k_base and
        // o200k_base are each built once, the eight other requests get the built one
        assertEquals(2, metric(err, "jtokkit-registry.tokens", "fastllm_calls_total", "fallback"), err);
        assertEquals(8, metric(err, "jtokkit-registry.tokens", "fastllm_calls_total", "fast"), err);
    }

    /**
     * With {@code identify=background} (the default) the original answers an encoding's calls until the agent
     * has identified it aside: the same calls happen, the early ones declined, and nothing fails.
     */
    static void assertOnIdentifyingAside(String err, String firstCall) {
        long firstCallFast = metric(firstCall, "fastllm_calls_total", "fast");
        long declined = metric(err, "fastllm_calls_total", "fallback");
        long fast = metric(err, "fastllm_calls_total", "fast");
        // at most the calls answered fast with identify=first-call; every call counted (a declined call's original
        // body may make inner calls of rewritten methods, counted too)
        assertTrue(fast <= firstCallFast, err);
        assertTrue(fast + declined >= firstCallFast + MUST_DECLINE, err);
        assertTrue(declined >= MUST_DECLINE, err);
        assertEquals(declined, metric(err, "fastllm_declines_total", null), err);
        assertEquals(0, metric(err, "fastllm_errors_total", null), err);
        assertEquals(0, metric(err, "fastllm_calls_total", "original"), err);
    }

    @Test
    void newestGivesTheSameChunksCountsAndBatchesInEveryMode() throws Exception {
        Version v = new Version(VERSIONS[0]);
        String firstCall = everyMode(v);
        assertOnIdentifyingAside(v.withAgent("on-aside", null), firstCall);
        if (ChildJvm.jdk25Present()) { // the same classes on JDK 25 print what JDK 17 printed without the agent
            assertOn(v.withAgent("jdk25-on", "identify=first-call", ChildJvm.JDK25));
            assertFaults(v.withAgent("jdk25-faults", "faults=jtokkit.tokens:1;jtokkit-registry.tokens:1",
                    ChildJvm.JDK25));
        }
    }

    @Test
    void oldestGivesTheSameChunksCountsAndBatchesInEveryMode() throws Exception {
        everyMode(new Version(VERSIONS[1]));
    }

    /**
     * On (each encoding identified at its first call, so every count is accounted for), off, canary:50,
     * shadow:100 and faults at 1: each gives the output of the run without the agent. Returns the "on" run's
     * standard error.
     */
    private static String everyMode(Version v) throws Exception {
        String on = v.withAgent("on", "identify=first-call");
        assertOn(on);
        String off = v.withAgent("off", "jtokkit.tokens=off,jtokkit-registry.tokens=off");
        assertEquals(0, metric(off, "fastllm_calls_total", "fast"), off);
        String canary = v.withAgent("canary", "tokens=canary:50,identify=first-call");
        assertTrue(metric(canary, "fastllm_calls_total", "fast") > 500, canary);
        assertTrue(metric(canary, "fastllm_calls_total", "original") > 500, canary);
        String shadow = v.withAgent("shadow", "tokens=shadow:100,identify=first-call");
        assertTrue(metric(shadow, "fastllm_calls_total", "shadow") > 2_000, shadow);
        assertEquals(0, metric(shadow, "fastllm_shadow_mismatches_total", null), shadow);
        assertEquals(0, metric(shadow, "jtokkit-registry.tokens", "fastllm_shadow_mismatches_total", null), shadow);
        assertFaults(v.withAgent("faults", "faults=jtokkit.tokens:1;jtokkit-registry.tokens:1"));
        return on;
    }

    /** Ten errors open the breaker; nothing fast. */
    static void assertFaults(String faults) {
        assertEquals(10, metric(faults, "fastllm_errors_total", null), faults);
        assertEquals(1, number(faults, "metrics fastllm_breaker_state\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)"), faults);
        assertEquals(0, metric(faults, "fastllm_calls_total", "fast"), faults);
    }
}
