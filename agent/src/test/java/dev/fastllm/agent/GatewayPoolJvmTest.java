package dev.fastllm.agent;

import dev.fastllm.agent.apps.PoolShapeApp;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.implementation.StubMethod;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.management.Attribute;
import javax.management.ObjectName;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point {@code gateway.connection-pool} end to end: the real demo-gateway.jar with the real agent jar, whose
 * upstream connections (to its embedded mock provider, over real sockets) go through the rewritten pool.
 * Answers equal the plain gateway's with the point on, under injected faults and across JMX flag flips during
 * a concurrent burst; afterwards the gateway's own pool metrics (stats(), both sides added) show no lease and
 * no waiter left.
 */
class GatewayPoolJvmTest {

    static final String POINT = "gateway.connection-pool";
    static final String APPLIED = "[fast-llm] gateway.connection-pool: on (default), stateful, breaker closed, applied to "
            + "dev.fastllm.gateway.upstream.ConnectionPool#acquire,release,evictIdle,purgeUnusable,stats,close";

    static List<String> withoutAgent;
    static final Map<String, Long> burstWithoutAgent = new HashMap<>();

    @BeforeAll
    static void baseline() throws Exception {
        try (GatewayProcess g = GatewayProcess.plain("pool-plain", ChildJvm.CURRENT_JAVA_HOME)) {
            withoutAgent = TokensScript.run(g);
            for (String text : TokensScript.burstTexts()) {
                burstWithoutAgent.put(text, TokensScript.promptTokens(g, text));
            }
        }
        String all = String.join("\n", withoutAgent);
        assertTrue(all.contains("stream chunks="), all);
        assertTrue(all.contains("chat gpt-4o-mini 200"), all);
    }

    static double poolCalls(String metrics, String path) {
        return GatewayProcess.value(metrics, "fastllm_calls_total", "path=\"" + path + "\",point=\"" + POINT + "\"");
    }

    static double poolSeries(String metrics, String name) {
        return GatewayProcess.value(metrics, name, "point=\"" + POINT + "\"");
    }

    /** The gateway's own gauge gateway_pool_connections summed over deployments, for one state. */
    static double gatewayPool(GatewayProcess g, String state) throws Exception {
        String text = g.get(URI.create("http://127.0.0.1:" + g.port + "/metrics")).body();
        Matcher m = Pattern.compile("(?m)^gateway_pool_connections\\{([^}]*)\\} (\\S+)$").matcher(text);
        double sum = 0;
        int series = 0;
        while (m.find()) {
            if (m.group(1).contains("state=\"" + state + "\"")) {
                sum += Double.parseDouble(m.group(2));
                series++;
            }
        }
        assertTrue(series > 0, text);
        return sum;
    }

    /** Waits until no lease and no waiter is left on either side (releases follow the answers by a moment). */
    static void assertEveryLeaseReturned(GatewayProcess g) throws Exception {
        long end = System.currentTimeMillis() + 10_000;
        while ((gatewayPool(g, "leased") != 0 || gatewayPool(g, "pending") != 0) && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertEquals(0, gatewayPool(g, "leased"), "leases out after the requests ended");
        assertEquals(0, gatewayPool(g, "pending"), "waiters left");
        assertTrue(gatewayPool(g, "idle") > 0, "connections are kept for reuse");
    }

    /** 320 chat completions from 8 threads; the wrong or failed answers, none expected. */
    static List<String> burst(GatewayProcess g, Runnable meanwhile) throws Exception {
        return burst(g, 8, meanwhile);
    }

    /** {@code rounds} times 40 chat completions from 8 threads; the wrong or failed answers. */
    static List<String> burst(GatewayProcess g, int rounds, Runnable meanwhile) throws Exception {
        List<String> texts = TokensScript.burstTexts();
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < texts.size(); i++) {
                    String text = texts.get((i * 7 + round * 3) % texts.size());
                    answers.add(threads.submit(() -> {
                        long got = TokensScript.promptTokens(g, text);
                        long expected = burstWithoutAgent.get(text);
                        return got == expected ? null : text + ": " + got + " instead of " + expected;
                    }));
                }
            }
            meanwhile.run();
            List<String> wrong = new ArrayList<>();
            for (Future<String> f : answers) {
                try {
                    String w = f.get(120, TimeUnit.SECONDS);
                    if (w != null) {
                        wrong.add(w);
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    wrong.add(String.valueOf(e.getCause()));
                }
            }
            assertEquals(rounds * texts.size(), answers.size());
            return wrong;
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Chat completions from 8 threads over the burst texts while {@code meanwhile} runs in this thread, and then
     * until {@code moreAfter} more have been answered (so that whatever {@code meanwhile} changes meets traffic
     * however fast the machine is); the wrong or failed answers, and in {@code answered} how many there were.
     */
    static List<String> burstAround(GatewayProcess g, Runnable meanwhile, int moreAfter,
                                    java.util.concurrent.atomic.AtomicInteger answered) throws Exception {
        List<String> texts = TokensScript.burstTexts();
        java.util.concurrent.atomic.AtomicInteger stopAt = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> workers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                workers.add(threads.submit(() -> {
                    List<String> wrong = new ArrayList<>();
                    int n;
                    while ((n = answered.get()) < stopAt.get() && n < 200_000) {
                        String text = texts.get((n * 7) % texts.size());
                        try {
                            long got = TokensScript.promptTokens(g, text);
                            long expected = burstWithoutAgent.get(text);
                            if (got != expected) {
                                wrong.add(text + ": " + got + " instead of " + expected);
                            }
                        } catch (Exception e) {
                            wrong.add(String.valueOf(e));
                        }
                        answered.incrementAndGet();
                    }
                    return wrong;
                }));
            }
            try {
                meanwhile.run();
            } finally {
                stopAt.set(answered.get() + moreAfter);
            }
            List<String> wrong = new ArrayList<>();
            for (Future<List<String>> f : workers) {
                wrong.addAll(f.get(180, TimeUnit.SECONDS));
            }
            return wrong;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void onByDefaultThePoolIsServedByItsTwinAndAnswersAsWithoutTheAgent() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("pool-on", ChildJvm.spec().agent(null))) {
            assertEquals(withoutAgent, TokensScript.run(g));
            assertTrue(g.jvm.agentLines().contains(APPLIED), g.jvm.describe());
            assertEveryLeaseReturned(g);
            String m = g.metrics();
            // every upstream exchange (every answer but the 400s, decided before any upstream call): one
            // acquire and one release, both on the twin
            long exchanges = withoutAgent.stream().filter(line -> !line.contains(" 400 ")).count();
            assertEquals(2 * exchanges, poolCalls(m, "fast"), m);
            assertEquals(0, poolCalls(m, "fallback"), m);
            assertEquals(0, poolCalls(m, "original"), m);
            assertEquals(0, poolSeries(m, "fastllm_errors_total"), m);
        }
    }

    @Test
    void faultsOnEveryFastCallFallBackOnTheSameCallAndOpenTheBreaker() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("pool-faults", ChildJvm.spec().agent("breaker.open=10m")
                .env("FAST_LLM_FAULTS", POINT + ":1"))) {
            assertTrue(g.jvm.stderr().contains("faults injected at rate 1"), g.jvm.describe());
            assertEquals(withoutAgent, TokensScript.run(g));
            String m = g.metrics();
            assertEquals(10, poolSeries(m, "fastllm_errors_total"), m);
            assertEquals(10, poolCalls(m, "fallback"), m);
            assertEquals(0, poolCalls(m, "fast"), m);
            assertTrue(poolCalls(m, "original") > 0, m);
            assertEquals(1, poolSeries(m, "fastllm_breaker_state"), m);
            assertEveryLeaseReturned(g);
        }
    }

    @Test
    void aBurstWithFivePercentFaultsLosesNothingAndReturnsEveryLease() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("pool-burst", ChildJvm.spec()
                .agent("breaker.failures=1000000").env("FAST_LLM_FAULTS", POINT + ":0.05"))) {
            assertEquals(List.of(), burst(g, () -> { }));
            String m = g.metrics();
            double fallbacks = poolCalls(m, "fallback");
            assertTrue(fallbacks > 0 && fallbacks < poolCalls(m, "fast"), m);
            assertEquals(fallbacks, poolSeries(m, "fastllm_errors_total"), m);
            assertEveryLeaseReturned(g);
        }
    }

    @Test
    void flagFlipsOverJmxDuringABurstLoseNothing() throws Exception {
        try (GatewayProcess g = GatewayProcess.withAgent("pool-jmx", ChildJvm.spec().agent(null));
             PointJmx jmx = PointJmx.connect(g.jvm.pid()).awaitRegistered(20_000)) {
            ObjectName pool = new ObjectName("dev.fastllm:type=Point,name=" + POINT);
            String[] flags = {"off", "on", "canary:50", "off", "on", "off"};
            List<String> wrong = burst(g, () -> {
                try {
                    for (String flag : flags) {
                        Thread.sleep(150);
                        jmx.server.setAttribute(pool, new Attribute("Flag", flag));
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(List.of(), wrong);
            assertEquals("off", jmx.server.getAttribute(pool, "Flag"));
            long fastBefore = (Long) jmx.server.getAttribute(pool, "FastCalls");
            assertEveryLeaseReturned(g);
            // off now, every twin lease back: the twin serves nothing more (off counts no original call either)
            for (String text : TokensScript.burstTexts().subList(0, 10)) {
                assertEquals(burstWithoutAgent.get(text), TokensScript.promptTokens(g, text));
            }
            assertEquals(fastBefore, (Long) jmx.server.getAttribute(pool, "FastCalls"), "off: nothing left on the twin");
            assertTrue(fastBefore > 0);
            assertEveryLeaseReturned(g);
        }
    }

    /**
     * A ConnectionPool with all six methods but none of the fields the twin is built from: reported once and
     * left alone (its acquire answers as written).
     */
    @Test
    void aPoolWithoutTheFieldsTheTwinNeedsIsReportedAndLeftAlone() throws Exception {
        Path dir = Path.of("target", "pool-shape-app").toAbsolutePath();
        String target = "dev.fastllm.gateway.upstream.ConnectionPool";
        DynamicType.Unloaded<?> stats = new ByteBuddy().subclass(Object.class).name(target + "$Stats").make();
        new ByteBuddy().subclass(Object.class).name(target)
                .defineMethod("acquire", CompletableFuture.class, Visibility.PUBLIC)
                .intercept(MethodCall.invoke(CompletableFuture.class.getMethod("completedFuture", Object.class))
                        .with("as written"))
                .defineMethod("release", void.class, Visibility.PUBLIC).withParameters(Object.class, boolean.class)
                .intercept(StubMethod.INSTANCE)
                .defineMethod("evictIdle", int.class, Visibility.PUBLIC).intercept(FixedValue.value(0))
                .defineMethod("purgeUnusable", void.class, Visibility.PUBLIC).intercept(StubMethod.INSTANCE)
                .defineMethod("stats", stats.getTypeDescription(), Visibility.PUBLIC).intercept(FixedValue.nullValue())
                .defineMethod("close", void.class, Visibility.PUBLIC).intercept(StubMethod.INSTANCE)
                .make().include(stats).saveIn(dir.toFile());
        try (ChildJvm jvm = ChildJvm.spec().agent(null).main(List.of(IsolationJvmTest.TEST_CLASSES, dir),
                PoolShapeApp.class.getName()).start("pool-shape-app")) {
            assertEquals(0, jvm.awaitExit(60_000), jvm.describe());
            assertEquals("acquire() = as written\n", jvm.stdout());
            assertEquals(List.of("[fast-llm] gateway.connection-pool: on (default), stateful, breaker closed, target "
                    + target + " present but of an unsupported shape (no field java.lang.String name); left alone"),
                    jvm.agentLines().stream().filter(l -> l.contains(POINT)).toList(), jvm.describe());
        }
    }
}
