package dev.fastllm.agent;

import dev.fastllm.agent.apps.JTokkitApp;
import dev.fastllm.agent.apps.OwnLibrariesApp;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Points jtokkit.tokens and jtokkit-registry.tokens with the real agent jar and the real JTokkit 1.1.0 in a
 * child JVM ({@link JTokkitApp}):
 * every answer of every method equals JTokkit's own without the agent, with the point on, off, {@code canary:50},
 * {@code shadow:100} and with every fast call failing; in o200k_base and cl100k_base the calls that must decline
 * (special tokens where JTokkit throws) are exactly the fallbacks, and every p50k_base call declines; faults open
 * the breaker. Registries share one instance of each encoding with jtokkit-registry.tokens on, and each builds
 * its own when it is off, in shadow mode or failing. JTokkit 1.0.0 is reported as of an
 * unsupported shape and left alone.
 */
class JTokkitJvmTest {

    static final Path TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath();
    static final Path JTOKKIT = ChildJvm.TEST_APPS.resolve("jtokkit-" + System.getProperty("jtokkit.version") + ".jar");
    static final String APPLIED = "[fast-llm] jtokkit.tokens: on (default), pure, breaker closed, applied to "
            + "com.knuddels.jtokkit.GptBytePairEncoding#countTokens,countTokensOrdinary,encode,encodeOrdinary,decodeBytes";

    static final String REGISTRY_APPLIED = "[fast-llm] jtokkit-registry.tokens: on (default), pure, breaker closed, "
            + "applied to com.knuddels.jtokkit.EncodingFactory#cl100kBase,o200kBase,r50kBase,p50kBase,p50kEdit";

    static String plain;
    static long mustDecline;

    @BeforeAll
    static void runWithoutTheAgent() throws Exception {
        try (ChildJvm jvm = ChildJvm.spec().main(List.of(TEST_CLASSES, JTOKKIT), JTokkitApp.class.getName())
                .start("jtokkit-plain")) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            plain = jvm.stdout();
            mustDecline = number(jvm.stderr(), "app: calls the agent must decline (\\d+)");
            assertTrue(jvm.stderr().contains("app: one o200k_base in two registries false"), jvm.describe());
        }
        assertEquals(150, plain.lines().count(), plain);
        assertTrue(plain.contains("special: Encoding special tokens is not supported."), plain);
        assertEquals(5, mustDecline, "special-token texts: two in o200k_base, three in cl100k_base");
    }

    /** Runs the app with the agent and these settings; checks its output equals the plain run's; returns stderr. */
    static String withAgent(String name, String settings) throws Exception {
        return withAgent(name, settings, ChildJvm.CURRENT_JAVA_HOME);
    }

    static String withAgent(String name, String settings, Path javaHome) throws Exception {
        int port = ChildJvm.freePort();
        String args = "metrics.port=" + port + (settings == null ? "" : "," + settings);
        try (ChildJvm jvm = ChildJvm.spec().javaHome(javaHome).agent(args).main(List.of(TEST_CLASSES, JTOKKIT),
                JTokkitApp.class.getName(), Integer.toString(port)).start(name)) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            assertEquals(plain, jvm.stdout(), "answers differ from JTokkit's own: " + name);
            return jvm.stderr();
        }
    }

    static long metric(String stderr, String name, String path) {
        return metric(stderr, "jtokkit.tokens", name, path);
    }

    static long metric(String stderr, String point, String name, String path) {
        String labels = path == null ? "" : "path=\"" + path + "\",";
        return number(stderr, "\nmetrics " + name + "\\{[^}]*" + Pattern.quote(labels + "point=\"" + point + "\"} ")
                + "(\\d+)");
    }

    static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex + " in\n" + text);
        return Long.parseLong(m.group(1));
    }

    /** Checked at each encoding's first call ({@code identify=first-call}), so that every call is accounted for. */
    @Test
    void onAnswersEveryCallFastExceptThoseThatMustDecline() throws Exception {
        assertOn(withAgent("jtokkit-on", "identify=first-call"));
    }

    /** Every call fast but those that must decline; registries share each encoding; then p50k_base declines. */
    static void assertOn(String err) {
        assertTrue(err.contains(APPLIED), err);
        assertTrue(err.contains(REGISTRY_APPLIED), err);
        // jtokkit-registry.tokens: five encodings built once (the lazy registry's o200k_base, then the four others of
        // the first default registry), six handed out again (o200k_base to it, all five to the second one)
        assertTrue(err.contains("app: one o200k_base in two registries true"), err);
        assertEquals(6, metric(err, "jtokkit-registry.tokens", "fastllm_calls_total", "fast"), err);
        assertEquals(5, metric(err, "jtokkit-registry.tokens", "fastllm_calls_total", "fallback"), err);
        assertEquals(mustDecline, metric(err, "fastllm_calls_total", "fallback"), err);
        assertEquals(mustDecline, metric(err, "fastllm_declines_total", null), err);
        assertEquals(0, metric(err, "fastllm_errors_total", null), err);
        // 8 calls of rewritten methods per text, 6 for a special-token text (encode is never reached)
        long texts = 2 * plain.lines().count() / 3;
        assertEquals(8 * texts - 2 * mustDecline, metric(err, "fastllm_calls_total", "fast") + mustDecline, err);
        assertEquals(0, metric(err, "fastllm_calls_total", "original"), err);
        // p50k_base is not accel-core's: every call of it declined, none fast, none failed
        long fast = metric(err, "fastllm_calls_total", "fast");
        assertEquals(fast, number(err, "after p50k_base: metrics fastllm_calls_total\\{[^}]*path=\"fast\",point=\"jtokkit.tokens\"} (\\d+)"), err);
        assertTrue(number(err, "after p50k_base: metrics fastllm_declines_total\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)")
                > mustDecline + 500, err);
        assertEquals(0, number(err, "after p50k_base: metrics fastllm_errors_total\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)"), err);
    }

    /**
     * The default, {@code identify=background}: until an encoding is identified on the agent's own thread, its
     * calls decline and JTokkit answers them; the answers are the same, every call is fast or declined, and
     * nothing fails.
     */
    @Test
    void identifyingAsideDeclinesUntilKnownAndGivesTheSameAnswers() throws Exception {
        String err = withAgent("jtokkit-aside", null);
        long texts = 2 * plain.lines().count() / 3;
        long declined = metric(err, "fastllm_calls_total", "fallback");
        long fast = metric(err, "fastllm_calls_total", "fast");
        // at most the calls answered fast with identify=first-call; every call counted (a declined call's original
        // body may make inner calls of rewritten methods, counted too)
        assertTrue(fast <= 8 * texts - 3 * mustDecline, err);
        assertTrue(fast + declined >= 8 * texts - 2 * mustDecline, err);
        assertTrue(declined >= mustDecline, err);
        assertEquals(declined, metric(err, "fastllm_declines_total", null), err);
        assertEquals(0, metric(err, "fastllm_errors_total", null), err);
        assertEquals(0, metric(err, "fastllm_calls_total", "original"), err);
    }

    @Test
    void offCanaryAndShadowGiveTheSameAnswers() throws Exception {
        String off = withAgent("jtokkit-off", "jtokkit.tokens=off,jtokkit-registry.tokens=off");
        assertEquals(0, metric(off, "fastllm_calls_total", "fast"), off);
        assertTrue(off.contains("app: one o200k_base in two registries false"), off);
        String canary = withAgent("jtokkit-canary", "tokens=canary:50,identify=first-call");
        long fast = metric(canary, "fastllm_calls_total", "fast");
        long original = metric(canary, "fastllm_calls_total", "original");
        assertTrue(fast > 250 && original > 250, canary);
        String shadow = withAgent("jtokkit-shadow", "tokens=shadow:100,identify=first-call");
        assertTrue(metric(shadow, "fastllm_calls_total", "shadow") > 800, shadow);
        assertEquals(0, metric(shadow, "fastllm_shadow_mismatches_total", null), shadow);
        assertEquals(0, metric(shadow, "fastllm_calls_total", "fast"), shadow);
        assertEquals(11, metric(shadow, "jtokkit-registry.tokens", "fastllm_calls_total", "shadow"), shadow);
        assertEquals(0, metric(shadow, "jtokkit-registry.tokens", "fastllm_shadow_mismatches_total", null), shadow);
    }

    @Test
    void everyFastCallFailingGivesTheSameAnswersAndOpensTheBreaker() throws Exception {
        assertFaults(withAgent("jtokkit-faults", "faults=jtokkit.tokens:1;jtokkit-registry.tokens:1"));
    }

    /** The same agent on JDK 25 (skipped when absent): the same answers and accounting, on and failing. */
    @Test
    void jdk25AnswersAsJdk17WithThePointsOnAndFailing() throws Exception {
        Assumptions.assumeTrue(ChildJvm.jdk25Present(), "no JDK 25 at " + ChildJvm.JDK25);
        assertOn(withAgent("jtokkit-jdk25-on", "identify=first-call", ChildJvm.JDK25));
        assertFaults(withAgent("jtokkit-jdk25-faults", "faults=jtokkit.tokens:1;jtokkit-registry.tokens:1",
                ChildJvm.JDK25));
    }

    /** Ten errors open each breaker; nothing fast; each registry builds its own encodings. */
    static void assertFaults(String err) {
        assertTrue(err.contains("faults injected at rate 1"), err);
        assertEquals(10, metric(err, "fastllm_errors_total", null), err);
        assertEquals(1, number(err, "metrics fastllm_breaker_state\\{[^}]*point=\"jtokkit.tokens\"} (\\d+)"), err);
        assertEquals(0, metric(err, "fastllm_calls_total", "fast"), err);
        assertEquals(10, metric(err, "jtokkit-registry.tokens", "fastllm_errors_total", null), err);
        assertTrue(err.contains("app: one o200k_base in two registries false"), err);
    }

    @Test
    void jtokkitBefore110IsLeftAlone() throws Exception {
        String v = System.getProperty("test-app.jtokkit.version");
        try (ChildJvm jvm = ChildJvm.spec().agent(null).main(List.of(TEST_CLASSES,
                ChildJvm.TEST_APPS.resolve("caffeine-" + System.getProperty("test-app.caffeine.version") + ".jar"),
                ChildJvm.TEST_APPS.resolve("jtokkit-" + v + ".jar")), OwnLibrariesApp.class.getName())
                .start("jtokkit-old")) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            assertTrue(jvm.stdout().contains("jtokkit from jtokkit-" + v + ".jar tokens="), jvm.describe());
            assertTrue(jvm.agentLines().contains("[fast-llm] jtokkit.tokens: on (default), pure, breaker closed, target "
                    + "com.knuddels.jtokkit.GptBytePairEncoding present but of an unsupported shape (EncodingResult "
                    + "has no getLastProcessedCharacterIndex: JTokkit before 1.1.0); left alone"), jvm.describe());
            assertTrue(jvm.agentLines().contains("[fast-llm] jtokkit-registry.tokens: on (default), pure, breaker "
                    + "closed, target com.knuddels.jtokkit.EncodingFactory present but of an unsupported shape (no method "
                    + "static Encoding o200kBase() with a body); left alone"), jvm.describe());
        }
    }
}
