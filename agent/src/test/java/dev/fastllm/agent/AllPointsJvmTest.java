package dev.fastllm.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every point of the demo gateway at once, end to end: one scripted sequence (completions, a stream,
 * embeddings, keys pushed past rpm, tpm and parallel limits, a deployment failing into cooldown and its group
 * falling back, context_length_exceeded) against the real gateway jar without the agent, with every point on,
 * with every point off, and with every point at {@code canary:50}: the same statuses, bodies (ids and timestamps aside),
 * {@code x-ratelimit-*} values, retry-after classes and serving deployment; and each point applied and
 * answering fast calls.
 */
class AllPointsJvmTest {

    /** Every point the agent has for the demo gateway. */
    static final List<String> POINTS = List.of("gateway.tokens", "gateway.rate-limiter", "gateway.connection-pool",
            "gateway.routing");

    static ChildJvm mock;
    static Path config;
    static List<String> withoutAgent;

    @BeforeAll
    static void mockAndBaseline() throws Exception {
        int mockPort = ChildJvm.freePort();
        mock = GatewayProcess.slowMock("all-points-mock", mockPort);
        config = GatewayProcess.config("all-points-gateway.yaml", Map.of("MOCK_PORT", Integer.toString(mockPort),
                "DEAD_PORT", Integer.toString(ChildJvm.freePort())));
        try (GatewayProcess g = GatewayProcess.onConfig("all-plain", ChildJvm.spec(), config, false)) {
            withoutAgent = script(g);
        }
        String all = String.join("\n", withoutAgent);
        // the script reaches each behaviour it names
        assertTrue(all.contains("flaky 200 served-by=mini-a"), all);
        assertTrue(all.contains("context 400 context_length_exceeded"), all);
        assertTrue(all.contains("sk-rpm 429"), all);
        assertTrue(all.contains("sk-tpm 429"), all);
        assertTrue(all.contains("parallel sk-par 200=2 429=3"), all);
        assertTrue(all.contains("data: [DONE]"), all);
    }

    @AfterAll
    static void stopMock() {
        if (mock != null) {
            mock.close();
        }
    }

    static List<String> script(GatewayProcess g) throws Exception {
        List<String> seen = new ArrayList<>();
        seen.add("chat " + answer(g.post("/v1/chat/completions", chat("gpt-4o-mini", "Hello there", 20))));
        seen.add("stream " + answer(g.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"stream me\"}]}")));
        seen.add("embeddings " + answer(g.post("/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"one\",\"two words\"]}")));
        // the flaky group's one deployment refuses connections: it cools down and the group falls back
        for (int i = 0; i < 3; i++) {
            seen.add("flaky " + answer(g.post("/v1/chat/completions", chat("flaky", "try " + i, 10))));
        }
        seen.add("context " + answer(g.post("/v1/chat/completions", chat("gpt-3.5-turbo", "word ".repeat(200), 10))));
        seen.add("context " + answer(g.post("/v1/chat/completions", chat("gpt-3.5-turbo", "word ".repeat(20), 10))));
        for (int i = 0; i < 5; i++) {
            seen.add("sk-rpm " + GatewayLimiterJvmTest.describe(GatewayLimiterJvmTest.chat(g, "sk-rpm", "r" + i, 16)));
        }
        for (int i = 0; i < 4; i++) {
            seen.add("sk-tpm " + GatewayLimiterJvmTest.describe(GatewayLimiterJvmTest.chat(g, "sk-tpm",
                    "a longer prompt that costs tokens ".repeat(3), 40)));
        }
        seen.add("parallel sk-par " + GatewayLimiterJvmTest.parallel(g, "sk-par", 5));
        return seen;
    }

    static String chat(String model, String text, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    /** Status, error code or body (ids and timestamps blanked), serving deployment and limit headers. */
    static String answer(HttpResponse<String> r) {
        String body = r.body().replaceAll("\"id\":\"[^\"]*\"", "\"id\":_").replaceAll("\"created\":\\d+", "\"created\":_")
                .replaceAll("\"created_at\":\\d+", "\"created_at\":_");
        StringBuilder b = new StringBuilder().append(r.statusCode());
        if (r.statusCode() != 200) {
            int c = body.indexOf("\"code\":\"");
            b.append(' ').append(c < 0 ? body : body.substring(c + 8, body.indexOf('"', c + 8)));
        } else {
            b.append(" served-by=").append(r.headers().firstValue("x-gateway-model-id").orElse("-"));
        }
        for (String h : List.of("x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens")) {
            b.append(' ').append(h.substring(12)).append('=').append(r.headers().firstValue(h).orElse("-"));
        }
        return b.append('\n').append(body).toString();
    }

    private static void assertPointsApplied(GatewayProcess g) throws Exception {
        String m = g.metrics();
        for (String point : POINTS) {
            assertTrue(g.jvm.agentLines().stream().anyMatch(l -> l.startsWith("[fast-llm] " + point + ": ")
                    && l.contains("applied to")), point + " applied: " + g.jvm.describe());
            assertTrue(GatewayProcess.value(m, "fastllm_calls_total", "path=\"fast\",point=\"" + point + "\"") > 0,
                    point + " answered fast calls:\n" + m);
        }
    }

    /**
     * Also: the gateway's four classes get the rewrites prepared when the agent was built (the same bytes,
     * {@code PreparedRewritesTest}), so Byte Buddy's advice machinery never loads in this JVM.
     */
    @Test
    void everyPointOnAnswersAsWithoutTheAgent() throws Exception {
        Path classLog = Files.createTempFile("all-on-classes", ".log");
        try (GatewayProcess g = GatewayProcess.onConfig("all-on", ChildJvm.spec().agent(null)
                .jvmArg("-Xlog:class+load:file=" + classLog), config, true)) {
            assertEquals(withoutAgent, script(g));
            assertPointsApplied(g);
            String loaded = Files.readString(classLog);
            assertTrue(loaded.contains("dev.fastllm.agent.PreparedRewrites "), "the agent's transformer ran");
            assertFalse(loaded.contains("net.bytebuddy.asm.Advice "), "Byte Buddy's advice was loaded");
        } finally {
            Files.deleteIfExists(classLog);
        }
    }

    /** Every point's component setting, e.g. {@code FAST_LLM_RATE_LIMITER=value}. */
    private static ChildJvm.Spec everyPoint(String value) {
        ChildJvm.Spec spec = ChildJvm.spec().agent(null);
        for (String point : POINTS) {
            spec.env("FAST_LLM_" + point.substring(point.indexOf('.') + 1).replace('-', '_').toUpperCase(
                    java.util.Locale.ROOT), value);
        }
        return spec;
    }

    @Test
    void everyPointOffAnswersAsWithoutTheAgentAndNothingIsFast() throws Exception {
        try (GatewayProcess g = GatewayProcess.onConfig("all-off", everyPoint("off"), config, true)) {
            assertEquals(withoutAgent, script(g));
            String m = g.metrics();
            for (String point : POINTS) {
                assertEquals(0, GatewayProcess.value(m, "fastllm_calls_total",
                        "path=\"fast\",point=\"" + point + "\""), point + "\n" + m);
            }
        }
    }

    @Test
    void everyPointAtCanaryHalfAnswersAsWithoutTheAgent() throws Exception {
        ChildJvm.Spec spec = everyPoint("canary:50");
        try (GatewayProcess g = GatewayProcess.onConfig("all-canary", spec, config, true)) {
            for (String point : POINTS) {
                assertTrue(g.jvm.stderr().contains(point + ": canary:50"), g.jvm.describe());
            }
            assertEquals(withoutAgent, script(g));
        }
    }
}
