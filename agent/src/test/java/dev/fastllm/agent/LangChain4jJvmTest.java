package dev.fastllm.agent;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LangChain4j under the agent: a real LangChain4j application (LangChain4j's jars, run as the source file
 * {@code apps/LangChainMemoryApp.java} in a child JVM, with and without the real agent jar) keeps exactly the
 * same messages in its token-window chat memory, with the same token counts after every turn, the same
 * per-message counts, ids and document segments, whether the points are on (then {@code langchain4j.tokens}
 * answers its counts and {@code jtokkit.tokens} its ids), off, {@code canary:50}, {@code shadow:100} or failing
 * on every call; on the newest (1.19.0) and the oldest (1.0.0) LangChain4j served here, and on JDK 25 when
 * present.
 */
class LangChain4jJvmTest {

    static final Path APP = Path.of("target", "test-classes", "apps", "LangChainMemoryApp.java").toAbsolutePath();
    static final String NEWEST = System.getProperty("langchain4j.version");
    static final String OLDEST = System.getProperty("langchain4j-oldest.version");
    static final String APPLIED = "[fast-llm] langchain4j.tokens: on (default), pure, breaker closed, applied to "
            + "dev.langchain4j.model.openai.OpenAiTokenCountEstimator#estimateTokenCountInText,"
            + "estimateTokenCountInMessage,estimateTokenCountInMessages";

    static String plain;

    /** LangChain4j {@code version}'s jars, as Maven copied them to {@code target/test-apps}. */
    static List<Path> classpath(String version) {
        List<Path> cp = new ArrayList<>();
        for (String jar : new String[] {"langchain4j-" + version, "langchain4j-core-" + version,
                "langchain4j-open-ai-" + version, "langchain4j-http-client-" + version,
                "jtokkit-" + System.getProperty("jtokkit.version"), "opennlp-tools-" + System.getProperty(
                        version.equals(NEWEST) ? "langchain4j.opennlp.version" : "langchain4j-oldest.opennlp.version")}) {
            cp.add(ChildJvm.TEST_APPS.resolve(jar + ".jar"));
        }
        for (String prefix : new String[] {"jackson-databind-", "jackson-core-", "jackson-annotations-", "slf4j-api-2"}) {
            cp.add(only(prefix));
        }
        return cp;
    }

    static List<Path> classpath() {
        return classpath(NEWEST);
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

    /** Standard output of the application without the agent. */
    static String withoutAgent(String name, Path javaHome, String version) throws Exception {
        try (ChildJvm jvm = ChildJvm.spec().javaHome(javaHome).main(classpath(version), APP.toString()).start(name)) {
            assertEquals(0, jvm.awaitExit(90_000), jvm.describe());
            String out = jvm.stdout();
            assertEquals(160, out.lines().filter(l -> l.contains(" turn ")).count(), out);
            assertTrue(out.contains("gpt-4o-mini turn 79 kept "), out);
            assertTrue(out.contains("decoded true"), out);
            assertTrue(out.contains("gpt-3.5-turbo segments "), out);
            return out;
        }
    }

    /** Runs the application with the agent, checks its output equals {@code expected}, returns standard error. */
    static String withAgent(String name, Path javaHome, String version, String settings, String expected)
            throws Exception {
        int port = ChildJvm.freePort();
        String args = "metrics.port=" + port + (settings == null ? "" : "," + settings);
        try (ChildJvm jvm = ChildJvm.spec().javaHome(javaHome).agent(args)
                .main(classpath(version), APP.toString(), Integer.toString(port)).start(name)) {
            assertEquals(0, jvm.awaitExit(90_000), jvm.describe());
            assertEquals(expected, jvm.stdout(), "LangChain4j's answers differ from its run without the agent: " + name);
            return jvm.stderr();
        }
    }

    static long metric(String stderr, String series, String path, String point) {
        return JTokkitJvmTest.number(stderr, "metrics " + series + "\\{[^}]*" + (path == null ? "" : "path=\"" + path
                + "\",") + "point=\"" + point.replace(".", "\\.") + "\"} (\\d+)");
    }

    /** The point applied; LangChain4j's counts answered fast; only the counts the estimator reads through Jackson declined. */
    static void assertAnsweredFast(String stderr) {
        assertTrue(stderr.contains(APPLIED), stderr);
        long fast = metric(stderr, "fastllm_calls_total", "fast", "langchain4j.tokens");
        assertTrue(fast > 1000, "LangChain4j's counts answered fast: " + fast + "\n" + stderr);
        // answers with several tool requests with arguments are counted by the original (Jackson): declined
        assertTrue(metric(stderr, "fastllm_calls_total", "fallback", "langchain4j.tokens") > 0, stderr);
        assertEquals(0, metric(stderr, "fastllm_errors_total", null, "langchain4j.tokens"), stderr);
    }

    @BeforeAll
    static void runWithoutTheAgent() throws Exception {
        plain = withoutAgent("langchain4j-plain", ChildJvm.CURRENT_JAVA_HOME, NEWEST);
    }

    @Test
    void theNewestKeepsTheSameMessagesInEveryMode() throws Exception {
        everyMode("langchain4j", NEWEST, plain);
    }

    @Test
    void theOldestKeepsTheSameMessagesInEveryMode() throws Exception {
        everyMode("langchain4j-oldest", OLDEST,
                withoutAgent("langchain4j-oldest-plain", ChildJvm.CURRENT_JAVA_HOME, OLDEST));
    }

    /** On, off, canary:50, shadow:100 and faults at 1: each prints {@code expected}, the run without the agent. */
    private static void everyMode(String name, String version, String expected) throws Exception {
        Path java = ChildJvm.CURRENT_JAVA_HOME;
        String on = withAgent(name + "-on", java, version, "identify=first-call", expected);
        assertAnsweredFast(on);
        // the default, identify=background: the original answers while the encodings are identified aside; every
        // call is still counted (more of them: a declined list count runs the original, which counts each message)
        String aside = withAgent(name + "-on-aside", java, version, null, expected);
        assertTrue(aside.contains(APPLIED), aside);
        assertEquals(0, metric(aside, "fastllm_errors_total", null, "langchain4j.tokens"), aside);
        assertTrue(metric(aside, "fastllm_calls_total", "fast", "langchain4j.tokens")
                + metric(aside, "fastllm_calls_total", "fallback", "langchain4j.tokens")
                >= metric(on, "fastllm_calls_total", "fast", "langchain4j.tokens")
                + metric(on, "fastllm_calls_total", "fallback", "langchain4j.tokens"), aside + "\n" + on);
        withAgent(name + "-off", java, version, "tokens=off", expected);
        withAgent(name + "-canary", java, version, "tokens=canary:50,identify=first-call", expected);
        String shadow = withAgent(name + "-shadow", java, version, "tokens=shadow:100,identify=first-call", expected);
        assertTrue(metric(shadow, "fastllm_calls_total", "shadow", "langchain4j.tokens") > 1000, shadow);
        assertEquals(0, metric(shadow, "fastllm_shadow_mismatches_total", null, "langchain4j.tokens"), shadow);
        assertEquals(0, metric(shadow, "fastllm_shadow_mismatches_total", null, "jtokkit.tokens"), shadow);
        String faults = withAgent(name + "-faults", java, version, "faults=langchain4j.tokens:1;jtokkit.tokens:1",
                expected);
        assertEquals(10, metric(faults, "fastllm_errors_total", null, "langchain4j.tokens"), faults);
        assertEquals(1, metric(faults, "fastllm_breaker_state", null, "langchain4j.tokens"), faults);
        assertEquals(0, metric(faults, "fastllm_calls_total", "fast", "langchain4j.tokens"), faults);
    }

    @Test
    void jdk25KeepsTheSameMessages() throws Exception {
        Assumptions.assumeTrue(ChildJvm.jdk25Present(), "no JDK 25 at " + ChildJvm.JDK25);
        String plain25 = withoutAgent("langchain4j-jdk25-plain", ChildJvm.JDK25, NEWEST);
        assertEquals(plain, plain25, "LangChain4j answers alike on both JDKs");
        String on = withAgent("langchain4j-jdk25-on", ChildJvm.JDK25, NEWEST, "identify=first-call", plain25);
        assertAnsweredFast(on);
        assertTrue(!on.contains("sun.misc.Unsafe"), on);
        String faults = withAgent("langchain4j-jdk25-faults", ChildJvm.JDK25, NEWEST,
                "faults=langchain4j.tokens:1;jtokkit.tokens:1", plain25);
        assertEquals(10, metric(faults, "fastllm_errors_total", null, "langchain4j.tokens"), faults);
        assertEquals(1, metric(faults, "fastllm_breaker_state", null, "langchain4j.tokens"), faults);
        assertEquals(0, metric(faults, "fastllm_calls_total", "fast", "langchain4j.tokens"), faults);
    }
}
