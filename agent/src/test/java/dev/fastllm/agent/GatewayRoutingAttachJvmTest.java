package dev.fastllm.agent;

import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fastllm.agent.GatewayRoutingJvmTest.BURST_GROUPS;
import static dev.fastllm.agent.GatewayRoutingJvmTest.chat;
import static dev.fastllm.agent.GatewayRoutingJvmTest.describe;
import static dev.fastllm.agent.GatewayRoutingJvmTest.routing;
import static dev.fastllm.agent.GatewayRoutingJvmTest.series;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent attached to a gateway in the middle of a concurrent burst over groups whose dead deployments are
 * cooling down in the original router. The cooldowns must survive the attach: a group cooling down stays with
 * the original until it is idle, so no request reaches a dead deployment again (it would show as a retry). Every
 * answer equals the plain gateway's, every route ends, and the twin serves the groups once they are idle.
 */
class GatewayRoutingAttachJvmTest {

    /** The config's cooldown_time is 30 s; answers after this long may legitimately meet a dead deployment again. */
    static final long COOLDOWN_MILLIS = 30_000;

    @Test
    void attachingUnderLoadForgetsNoCooldownAndEndsEveryRoute() throws Exception {
        GatewayRoutingJvmTest.writeConfig();
        Map<String, String> expected = new HashMap<>();
        try (GatewayProcess plain = GatewayRoutingJvmTest.start("routing-attach-plain", ChildJvm.spec(), false)) {
            coolDownTheDeadDeployments(plain);
            for (String group : BURST_GROUPS) {
                expected.put(group, describe(chat(plain, group)));
            }
        }
        assertEquals("200 model=duo-live retries=0 retry-after=no", expected.get("duo"), expected.toString());
        try (GatewayProcess g = GatewayRoutingJvmTest.start("routing-attach-target", ChildJvm.spec(), false)) {
            long cooling = System.currentTimeMillis();
            coolDownTheDeadDeployments(g);
            int metrics = ChildJvm.freePort();
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger answeredAtApply = new AtomicInteger(-1);
            AtomicInteger checkedAfterApply = new AtomicInteger();
            Thread attacher = new Thread(() -> {
                try {
                    while (answered.get() < 150) {
                        Thread.sleep(5);
                    }
                    try (ChildJvm attach = ChildJvm.spec().jar(ChildJvm.AGENT_JAR, "attach", Long.toString(g.jvm.pid()),
                            "metrics.port=" + metrics).start("routing-attach-command")) {
                        assertEquals(0, attach.awaitExit(60_000), attach.describe());
                    }
                    g.jvm.awaitStderr(GatewayRoutingJvmTest.APPLIED, 30_000);
                } catch (Exception e) {
                    throw new AssertionError(e);
                } finally {
                    answeredAtApply.set(answered.get());
                }
            });
            attacher.start();
            // the burst runs until 600 answers came after the retransformation, so the attach lands inside it
            List<String> wrong = burst(g, 8, () -> answeredAtApply.get() >= 0 && answered.get() > answeredAtApply.get() + 600,
                    expected, cooling + COOLDOWN_MILLIS - 1_000, answered, answeredAtApply, checkedAfterApply);
            attacher.join(120_000);
            assertTrue(g.jvm.stderr().contains(GatewayRoutingJvmTest.APPLIED), g.jvm.describe());
            assertEquals(List.of(), wrong);
            assertTrue(checkedAfterApply.get() >= 100, "answers checked after the attach, within the cooldown: "
                    + checkedAfterApply.get() + " (the attach or the burst was too slow)");
            // after the burst every group is idle: requests to a group with no cooldown go to the twin
            double fastBefore = routing(g.metrics(metrics), "fast");
            for (int i = 0; i < 10; i++) {
                assertEquals(expected.get("gpt-4o-mini"), describe(chat(g, "gpt-4o-mini")));
            }
            String m = g.metrics(metrics);
            assertEquals(fastBefore + 10, routing(m, "fast"), m);
            assertEquals(0, series(m, "fastllm_errors_total"), m);
            try (PointJmx jmx = PointJmx.connect(g.jvm.pid(), "gateway.routing").awaitRegistered(20_000)) {
                GatewayRoutingJvmTest.assertEveryRouteEnded(jmx);
            }
        }
    }

    /** One request to each group with a dead deployment, one after the other: each fails into its cooldown. */
    private static void coolDownTheDeadDeployments(GatewayProcess g) throws Exception {
        assertEquals(200, chat(g, "flaky").statusCode());
        HttpResponse<String> duo = chat(g, "duo");
        assertEquals("200 model=duo-live retries=1 retry-after=no", describe(duo)); // duo-dead failed, then cooled
    }

    /**
     * Chats over the burst groups from {@code threads} threads until {@code done}; an answer that completed before
     * {@code checkUntil} (epoch ms) must equal the plain gateway's answer for its group (those answered after the
     * retransformation are counted in {@code checkedAfterApply}). Returns the answers that did not.
     */
    private static List<String> burst(GatewayProcess g, int threads, java.util.function.BooleanSupplier done,
                                      Map<String, String> expected, long checkUntil, AtomicInteger answered,
                                      AtomicInteger answeredAtApply, AtomicInteger checkedAfterApply) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<List<String>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    long giveUp = System.currentTimeMillis() + 90_000;
                    while (!done.getAsBoolean() && System.currentTimeMillis() < giveUp) {
                        String group = BURST_GROUPS.get(next.getAndIncrement() % BURST_GROUPS.size());
                        String got = describe(chat(g, group));
                        answered.incrementAndGet();
                        if (System.currentTimeMillis() < checkUntil) {
                            if (!got.equals(expected.get(group))) {
                                wrong.add(group + " " + got);
                            }
                            if (answeredAtApply.get() >= 0) {
                                checkedAfterApply.incrementAndGet();
                            }
                        }
                    }
                    return wrong;
                }));
            }
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> f : workers) {
                wrong.addAll(f.get(120, TimeUnit.SECONDS));
            }
            return wrong;
        } finally {
            pool.shutdownNow();
        }
    }
}
