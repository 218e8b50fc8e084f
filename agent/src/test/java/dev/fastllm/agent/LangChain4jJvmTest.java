package dev.fastllm.agent;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LangChain4j on the JTokkit points: a real LangChain4j application (LangChain4j's jars, run as the source file
 * {@code apps/LangChainMemoryApp.java} in a child JVM, with and without the real agent jar) keeps exactly the
 * same messages in its token-window chat memory, with the same token counts after every turn and the same ids,
 * whether the JTokkit points are on (then answering its counts), off, {@code canary:50}, {@code shadow:100} or
 * failing on every call.
 */
class LangChain4jJvmTest {

    static final Path APP = Path.of("target", "test-classes", "apps", "LangChainMemoryApp.java").toAbsolutePath();

    static String plain;

    static List<Path> classpath() {
        String lc = System.getProperty("langchain4j.version");
        List<Path> cp = new ArrayList<>();
        for (String jar : new String[] {"langchain4j-" + lc, "langchain4j-core-" + lc, "langchain4j-open-ai-" + lc,
                "langchain4j-http-client-" + lc, "jtokkit-" + System.getProperty("jtokkit.version")}) {
            cp.add(ChildJvm.TEST_APPS.resolve(jar + ".jar"));
        }
        for (String prefix : new String[] {"jackson-databind-", "jackson-core-", "jackson-annotations-", "slf4j-api-2"}) {
            cp.add(only(prefix));
        }
        return cp;
    }

    private static Path only(String prefix) {
        try (var files = java.nio.file.Files.list(ChildJvm.TEST_APPS)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
            assertEquals(1, found.size(), prefix + ": " + found);
            return found.get(0);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @BeforeAll
    static void runWithoutTheAgent() throws Exception {
        try (ChildJvm jvm = ChildJvm.spec().main(classpath(), APP.toString()).start("langchain4j-plain")) {
            assertEquals(0, jvm.awaitExit(90_000), jvm.describe());
            plain = jvm.stdout();
        }
        assertEquals(160, plain.lines().filter(l -> l.contains(" turn ")).count(), plain);
        assertTrue(plain.contains("gpt-4o-mini turn 79 kept "), plain);
        assertTrue(plain.contains("decoded true"), plain);
    }

    static String withAgent(String name, String settings) throws Exception {
        int port = ChildJvm.freePort();
        String args = "metrics.port=" + port + (settings == null ? "" : "," + settings);
        try (ChildJvm jvm = ChildJvm.spec().agent(args).main(classpath(), APP.toString(), Integer.toString(port))
                .start(name)) {
            assertEquals(0, jvm.awaitExit(90_000), jvm.describe());
            assertEquals(plain, jvm.stdout(), "LangChain4j's memory differs from its run without the agent: " + name);
            return jvm.stderr();
        }
    }

    @Test
    void theChatMemoryKeepsTheSameMessagesInEveryMode() throws Exception {
        String on = withAgent("langchain4j-on", null);
        assertTrue(on.contains("[fast-llm] jtokkit.tokens: on (default), pure, breaker closed, applied to"), on);
        long fast = JTokkitJvmTest.number(on,
                "metrics fastllm_calls_total\\{[^}]*path=\"fast\",point=\"jtokkit.tokens\"} (\\d+)");
        assertTrue(fast > 1000, "LangChain4j's counts answered fast: " + fast);
        assertEquals(0, JTokkitJvmTest.number(on,
                "metrics fastllm_calls_total\\{[^}]*path=\"fallback\",point=\"jtokkit.tokens\"} (\\d+)"), on);
        withAgent("langchain4j-off", "tokens=off");
        withAgent("langchain4j-canary", "tokens=canary:50");
        String shadow = withAgent("langchain4j-shadow", "tokens=shadow:100");
        assertEquals(0, JTokkitJvmTest.number(shadow,
                "metrics fastllm_shadow_mismatches_total\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)"), shadow);
        String faults = withAgent("langchain4j-faults", "faults=jtokkit.tokens:1");
        assertEquals(10, JTokkitJvmTest.number(faults,
                "metrics fastllm_errors_total\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)"), faults);
    }
}
