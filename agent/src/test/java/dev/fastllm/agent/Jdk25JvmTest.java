package dev.fastllm.agent;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.fastllm.agent.GatewayProcess.tokensCalls;
import static dev.fastllm.agent.GatewayProcess.tokensSeries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same agent jar on the newest supported JDK (Temurin 25 at {@link ChildJvm#JDK25}; skipped when absent):
 * the point applies, answers equal the plain gateway's on that JDK, faults fall back, and the agent adds no
 * warning of its own (no {@code sun.misc.Unsafe} use reported by the JDK).
 */
class Jdk25JvmTest {

    static List<String> withoutAgent;

    @BeforeAll
    static void baseline() throws Exception {
        Assumptions.assumeTrue(ChildJvm.jdk25Present(), "no JDK 25 at " + ChildJvm.JDK25);
        try (GatewayProcess g = GatewayProcess.plain("jdk25-plain", ChildJvm.JDK25)) {
            withoutAgent = TokensScript.run(g);
        }
    }

    @Test
    void onAnswersExactlyAndWarnsAboutNothing() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("jdk25-on", ChildJvm.spec().javaHome(ChildJvm.JDK25).agent(null))) {
            assertTrue(g.jvm.agentLines().contains(GatewayTokensJvmTest.APPLIED), g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertTrue(tokensCalls(m, "fast") >= 50, m);
            assertEquals(0, tokensSeries(m, "fastllm_errors_total"), m);
            assertFalse(g.jvm.stderr().contains("sun.misc.Unsafe"), g.jvm.describe());
        }
    }

    @Test
    void faultsFallBackAndOpenTheBreaker() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("jdk25-faults", ChildJvm.spec().javaHome(ChildJvm.JDK25)
                .agent("faults=gateway.tokens:1,breaker.open=10m"))) {
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertEquals(10, tokensCalls(m, "fallback"), m);
            assertEquals(1, tokensSeries(m, "fastllm_breaker_state"), m);
        }
    }
}
