package dev.fastllm.agent;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent attached to a gateway in the middle of a concurrent burst (which goes on for 600 answers after the
 * attach, however fast the machine is): its pools are retransformed while
 * requests hold leases, wait and connect inside the original bodies. Those finish on the original, later
 * acquires go to the twins, every answer equals the plain gateway's, and no lease or waiter is left.
 */
class GatewayPoolAttachJvmTest {

    @Test
    void attachingUnderLoadLosesNothing() throws Exception {
        try (GatewayProcess plain = GatewayProcess.plain("pool-attach-plain", ChildJvm.CURRENT_JAVA_HOME)) {
            for (String text : TokensScript.burstTexts()) {
                GatewayPoolJvmTest.burstWithoutAgent.put(text, TokensScript.promptTokens(plain, text));
            }
        }
        try (GatewayProcess g = GatewayProcess.plain("pool-attach-target", ChildJvm.CURRENT_JAVA_HOME)) {
            int metrics = ChildJvm.freePort();
            // requests flow before, during and for 600 answers after the attach, however fast the machine is
            java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
            List<String> wrong = GatewayPoolJvmTest.burstAround(g, () -> {
                try (ChildJvm attach = ChildJvm.spec().jar(ChildJvm.AGENT_JAR, "attach", Long.toString(g.jvm.pid()),
                        "metrics.port=" + metrics).start("pool-attach-command")) {
                    assertEquals(0, attach.awaitExit(60_000), attach.describe());
                    g.jvm.awaitStderr("applied to dev.fastllm.gateway.upstream.ConnectionPool#acquire,release,"
                            + "evictIdle,purgeUnusable,stats,close", 30_000);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, 600, answered);
            assertEquals(List.of(), wrong);
            double duringBurst = GatewayPoolJvmTest.poolCalls(g.metrics(metrics), "fast");
            // two fast calls per exchange the twins served: some, not all (the first ones ran before the attach)
            assertTrue(duringBurst > 0 && duringBurst < 2 * answered.get(),
                    "fast calls during the burst: " + duringBurst + " of " + answered.get() + " exchanges");
            for (String text : TokensScript.burstTexts().subList(0, 10)) {
                assertEquals(GatewayPoolJvmTest.burstWithoutAgent.get(text), TokensScript.promptTokens(g, text));
            }
            GatewayPoolJvmTest.assertEveryLeaseReturned(g);
            String m = g.metrics(metrics);
            assertEquals(duringBurst + 20, GatewayPoolJvmTest.poolCalls(m, "fast"), m);
            assertEquals(0, GatewayPoolJvmTest.poolSeries(m, "fastllm_errors_total"), m);
        }
    }
}
