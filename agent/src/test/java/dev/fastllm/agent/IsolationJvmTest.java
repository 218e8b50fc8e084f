package dev.fastllm.agent;

import dev.fastllm.agent.apps.ChildFirstApp;
import dev.fastllm.agent.apps.OwnLibrariesApp;
import dev.fastllm.agent.apps.ShapeApp;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.implementation.FixedValue;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent among class loaders: a target defined by a child-first loader is rewritten too (the bridges are
 * found through the bootstrap loader), and an application with its own, different Caffeine and JTokkit and its
 * own log manager runs exactly as without the agent, seeing none of the agent's classes.
 */
class IsolationJvmTest {

    static final Path TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath();

    @Test
    void aChildFirstLoaderOfTheGatewayJarIsRewrittenToo() throws Exception {
        String plain = run(ChildJvm.spec(), "child-first-plain", null);
        int metrics = ChildJvm.freePort();
        ChildJvm.Spec spec = ChildJvm.spec().agent("metrics.port=" + metrics);
        try (ChildJvm jvm = spec.main(List.of(TEST_CLASSES), ChildFirstApp.class.getName(),
                ChildJvm.GATEWAY_JAR.toString(), Integer.toString(metrics)).start("child-first-agent")) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            assertEquals(plain, jvm.stdout());
            assertTrue(plain.contains("defined by child-first"), plain);
            String err = jvm.stderr();
            // not on the application class path: absent at start, then applied when the child-first loader defines it
            assertTrue(err.contains("gateway.tokens: on (default), pure, breaker closed, target absent"), err);
            assertTrue(err.contains("gateway.tokens: on (default), pure, breaker closed, applied to "
                    + "dev.fastllm.gateway.tokens.PromptTokenCounter#countText"), err);
            // o200k_base and cl100k_base: all six texts fast; p50k_base: empty and null are 0 whatever the
            // encoding (fast), the four others decline to the original
            assertTrue(err.contains("path=\"fast\",point=\"gateway.tokens\"} 14.0"), err);
            assertTrue(err.contains("path=\"fallback\",point=\"gateway.tokens\"} 4.0"), err);
        }
    }

    @Test
    void anApplicationWithItsOwnLibrariesAndLogManagerRunsUnchanged() throws Exception {
        String plain = run(ChildJvm.spec(), "own-libraries-plain", null);
        String withAgent = run(ChildJvm.spec().agent(null), "own-libraries-agent", "[fast-llm] gateway.tokens:");
        assertEquals(plain, withAgent);
        String caffeine = "caffeine-" + System.getProperty("test-app.caffeine.version") + ".jar";
        String jtokkit = "jtokkit-" + System.getProperty("test-app.jtokkit.version") + ".jar";
        assertTrue(plain.contains("log manager " + OwnLibrariesApp.AppLogManager.class.getName()), plain);
        assertTrue(plain.contains("caffeine from " + caffeine + " get=1"), plain);
        assertTrue(plain.contains("jtokkit from " + jtokkit + " tokens="), plain);
        assertTrue(plain.contains("rank files visible [" + jtokkit + "]"), plain);
        assertFalse(plain.contains("visible=true"), plain);
    }

    @Test
    void aTargetOfAnotherShapeIsReportedAndLeftAlone() throws Exception {
        Path dir = Path.of("target", "shape-app").toAbsolutePath();
        new ByteBuddy().subclass(Object.class).name("dev.fastllm.gateway.tokens.PromptTokenCounter")
                .defineMethod("countText", int.class, Visibility.PUBLIC).withParameters(String.class)
                .intercept(FixedValue.value(7)).make().saveIn(dir.toFile());
        Path classLog = Path.of("target", "shape-app-classes.log").toAbsolutePath();
        try (ChildJvm jvm = ChildJvm.spec().agent(null).jvmArg("-Xlog:class+load=info:file=" + classLog)
                .main(List.of(TEST_CLASSES, dir), ShapeApp.class.getName()).start("shape-app")) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            assertEquals("countText(String) = 7\n", jvm.stdout());
            List<String> lines = jvm.agentLines();
            assertTrue(lines.contains("[fast-llm] gateway.tokens: on (default), pure, breaker closed, target "
                    + "dev.fastllm.gateway.tokens.PromptTokenCounter present but of an unsupported shape (no method "
                    + "int countText(String, String) with a body); left alone"), jvm.describe());
            // the other points' targets are not on this class path
            assertTrue(lines.stream().allMatch(l -> l.contains("gateway.tokens") || l.endsWith("target absent")),
                    jvm.describe());
            // no metrics port asked for: no registry is built (it loads ~170 classes); the verifier still loads
            // the few Micrometer types that fallback's signatures name
            List<String> loaded = java.nio.file.Files.readAllLines(classLog);
            assertTrue(loaded.stream().anyMatch(l -> l.contains("dev.fastllm.fallback.Point ")), "no class log " + classLog);
            long metricsClasses = loaded.stream().filter(l -> l.contains("dev.fastllm.shaded.io.")).count();
            assertTrue(metricsClasses < 10, metricsClasses + " metrics classes loaded, see " + classLog);
            assertFalse(loaded.stream().anyMatch(l -> l.contains("dev.fastllm.shaded.io.prometheus")), "see " + classLog);
        }
    }

    private static String run(ChildJvm.Spec spec, String name, String expectInStderr) throws Exception {
        List<Path> cp;
        String main;
        String[] args;
        if (name.startsWith("own-libraries")) {
            cp = List.of(TEST_CLASSES,
                    ChildJvm.TEST_APPS.resolve("caffeine-" + System.getProperty("test-app.caffeine.version") + ".jar"),
                    ChildJvm.TEST_APPS.resolve("jtokkit-" + System.getProperty("test-app.jtokkit.version") + ".jar"));
            main = OwnLibrariesApp.class.getName();
            args = new String[0];
        } else {
            cp = List.of(TEST_CLASSES);
            main = ChildFirstApp.class.getName();
            args = new String[] {ChildJvm.GATEWAY_JAR.toString()};
        }
        try (ChildJvm jvm = spec.main(cp, main, args).start(name)) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            if (expectInStderr != null) {
                assertTrue(jvm.stderr().contains(expectInStderr), jvm.describe());
            }
            return jvm.stdout();
        }
    }
}
