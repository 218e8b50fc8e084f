package dev.fastllm.agent;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.fastllm.agent.GatewayProcess.tokensCalls;
import static dev.fastllm.agent.GatewayProcess.tokensSeries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point {@code gateway.tokens} end to end: the real demo-gateway.jar in a child JVM with the real agent jar,
 * called with the official OpenAI SDK. Every mode answers exactly as the same gateway without the agent
 * (usage, context_length_exceeded, x-ratelimit-remaining-*), and the agent's metrics show which path ran.
 */
class GatewayTokensJvmTest {

    static final String APPLIED = "[fast-llm] gateway.tokens: on (default), pure, breaker closed, applied to "
            + "dev.fastllm.gateway.tokens.PromptTokenCounter#countText";

    static List<String> withoutAgent;
    static java.util.Map<String, Long> burstWithoutAgent = new java.util.HashMap<>();

    @BeforeAll
    static void baseline() throws Exception {
        try (GatewayProcess g = GatewayProcess.plain("gateway-plain", ChildJvm.CURRENT_JAVA_HOME)) {
            withoutAgent = TokensScript.run(g);
            for (String text : TokensScript.burstTexts()) {
                burstWithoutAgent.put(text, TokensScript.promptTokens(g, text));
            }
            assertTrue(g.jvm.agentLines().isEmpty(), g.jvm.describe());
        }
        String all = String.join("\n", withoutAgent);
        // the script reaches both sides of the context window and the key's limit headers
        assertTrue(all.contains("chat gpt-3.5-turbo 400 context_length_exceeded"), all);
        assertTrue(all.contains("chat gpt-3.5-turbo 200 prompt="), all);
        assertTrue(all.contains("remaining-tokens=[99"), all);
        {
        }
    }

    @Test
    void onByDefaultTheFastPathAnswersEveryCountExactly() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-on", ChildJvm.spec().agent(null))) {
            assertTrue(g.jvm.agentLines().contains(APPLIED), g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertTrue(tokensCalls(m, "fast") >= 50, m);
            assertEquals(0, tokensCalls(m, "fallback"), m);
            assertEquals(0, tokensCalls(m, "original"), m);
            assertEquals(0, tokensSeries(m, "fastllm_errors_total"), m);
            assertEquals(1, g.jvm.agentLines().stream().filter(l -> l.contains("gateway.tokens")).count(),
                    "one start line for the point, nothing per call: " + g.jvm.agentLines());
            // MXBeans: registered once the gateway's logging was up, counting what the metrics count
            try (PointJmx jmx = PointJmx.connect(g.jvm.pid()).awaitRegistered(20_000)) {
                assertEquals((long) tokensCalls(m, "fast"), (Long) jmx.get("FastCalls"));
                assertTrue(((String) jmx.get("Status")).contains("applied to"), (String) jmx.get("Status"));
            }
        }
    }

    /**
     * Off from the start: {@code countText} is left as it is (nothing counted, nothing rewritten); turned on over
     * JMX, the class is rewritten then, and answers fast, the same.
     */
    @Test
    void offRunsTheOriginalAndCountsNothingUntilTurnedOn() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-off",
                ChildJvm.spec().agent("gateway.tokens=off"))) {
            assertTrue(g.jvm.stderr().contains("gateway.tokens: off (agent argument gateway.tokens), pure, breaker "
                    + "closed, target dev.fastllm.gateway.tokens.PromptTokenCounter present, left as it is while off"),
                    g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertEquals(0, tokensCalls(m, "fast"), m);
            assertEquals(0, tokensCalls(m, "original"), m);
            try (PointJmx jmx = PointJmx.connect(g.jvm.pid(), "gateway.tokens").awaitRegistered(20_000)) {
                jmx.setFlag("on");
                g.jvm.awaitStderr("applied to dev.fastllm.gateway.tokens.PromptTokenCounter#countText", 20_000);
                // the same counts; the keys' remaining budgets have moved on by the first run
                assertEquals(withoutBudgets(withoutAgent), withoutBudgets(TokensScript.run(g)));
                assertTrue(tokensCalls(g.metrics(), "fast") > 0, g.metrics());
            }
        }
    }

    /** The script's lines without the x-ratelimit remaining values. */
    static List<String> withoutBudgets(List<String> lines) {
        List<String> out = new java.util.ArrayList<>();
        for (String line : lines) {
            out.add(line.replaceAll(" remaining-[a-z]+=\\[[0-9]*\\]", ""));
        }
        return out;
    }

    @Test
    void canaryAtHalfSplitsCallsAndAnswersTheSame() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-canary",
                ChildJvm.spec().agent(null).env("FAST_LLM_TOKENS", "canary:50"))) {
            assertTrue(g.jvm.stderr().contains("gateway.tokens: canary:50 (FAST_LLM_TOKENS)"), g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertTrue(tokensCalls(m, "fast") > 0, m);
            assertTrue(tokensCalls(m, "original") > 0, m);
        }
    }

    @Test
    void shadowRunsBothReturnsTheOriginalAndFindsNoMismatch() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-shadow",
                ChildJvm.spec().agent(null).jvmArg("-Dfastllm.gateway.tokens=shadow:100"))) {
            assertTrue(g.jvm.stderr().contains("gateway.tokens: shadow:100 (-Dfastllm.gateway.tokens)"),
                    g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertTrue(tokensCalls(m, "shadow") >= 50, m);
            assertEquals(0, tokensCalls(m, "fast"), m);
            assertEquals(0, tokensSeries(m, "fastllm_shadow_mismatches_total"), m);
            assertEquals(0, tokensSeries(m, "fastllm_errors_total"), m);
        }
    }

    @Test
    void injectedFaultsFallBackOnTheSameCallAndOpenTheBreaker() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-faults",
                ChildJvm.spec().agent("breaker.open=10m").env("FAST_LLM_FAULTS", "gateway.tokens:1"))) {
            assertTrue(g.jvm.stderr().contains("faults injected at rate 1"), g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            // ten errors within the window open the breaker (kept open for the test: no half-open trial on a
            // slow machine); from then on the original answers directly
            assertEquals(10, tokensSeries(m, "fastllm_errors_total"), m);
            assertEquals(10, tokensCalls(m, "fallback"), m);
            assertEquals(0, tokensCalls(m, "fast"), m);
            assertTrue(tokensCalls(m, "original") >= 40, m);
            assertEquals(1, GatewayProcess.value(m, "fastllm_breaker_transitions_total",
                    "point=\"gateway.tokens\",to=\"open\""), m);
            assertEquals(1, tokensSeries(m, "fastllm_breaker_state"), m);
        }
    }

    @Test
    void aConcurrentBurstWithFivePercentFaultsAnswersEveryRequestExactly() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("gateway-burst", ChildJvm.spec()
                .agent("breaker.failures=1000000").env("FAST_LLM_FAULTS", "gateway.tokens:0.05"))) {
            List<String> texts = TokensScript.burstTexts();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<String>> answers = new java.util.ArrayList<>();
                for (int round = 0; round < 8; round++) {
                    for (int i = 0; i < texts.size(); i++) {
                        String text = texts.get((i * 7 + round * 3) % texts.size());
                        answers.add(pool.submit(() -> {
                            long got = TokensScript.promptTokens(g, text);
                            long expected = burstWithoutAgent.get(text);
                            return got == expected ? null : text + ": " + got + " instead of " + expected;
                        }));
                    }
                }
                List<String> wrong = new java.util.ArrayList<>();
                for (java.util.concurrent.Future<String> f : answers) {
                    String w = f.get(120, java.util.concurrent.TimeUnit.SECONDS);
                    if (w != null) {
                        wrong.add(w);
                    }
                }
                assertEquals(List.of(), wrong);
                assertEquals(320, answers.size());
            } finally {
                pool.shutdownNow();
            }
            String m = g.metrics();
            double fallbacks = tokensCalls(m, "fallback");
            assertTrue(fallbacks > 0 && fallbacks < tokensCalls(m, "fast"), m);
            assertEquals(fallbacks, tokensSeries(m, "fastllm_errors_total"), m);
            assertEquals(0, tokensSeries(m, "fastllm_breaker_state"), m);
        }
    }
}
