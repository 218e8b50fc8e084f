package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.Deployment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fastllm.gateway.routing.Deployments.deployment;
import static dev.fastllm.gateway.routing.Deployments.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact invariants under contention: in-flight counts return to zero, capacity is never oversold. */
class RouterConcurrencyTest {

    private static final int THREADS = 8;
    private static final long T0 = 1_700_000_040_000L;

    private static void runAll(int threads, Worker body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run(id);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Worker {
        void run(int thread) throws Exception;
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void inFlightReturnsToZeroAfterABurst(String strategy) throws Exception {
        List<Deployment> g = List.of(deployment("g", "a"), deployment("g", "b"), deployment("g", "c", null, null, 3L));
        List<Deployment> h = List.of(deployment("h", "x"), deployment("h", "y"));
        Router router = new Router(Map.of("g", g, "h", h), settings(strategy, 5, 1), 99L);
        int[] statuses = {200, 200, 200, 200, 429, 500, 0, 400, Router.CANCELLED};
        AtomicInteger picked = new AtomicInteger();
        runAll(THREADS, thread -> {
            SplittableRandom random = new SplittableRandom(thread);
            List<Route> open = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                long now = T0 + i * 7L;                       // crosses minute boundaries and cooldowns
                Route r = router.pick((i & 1) == 0 ? "g" : "h", random.nextInt(50), now);
                if (r != null) {
                    picked.incrementAndGet();
                    open.add(r);
                }
                // end requests out of order, a few at a time
                while (open.size() > random.nextInt(4)) {
                    Route done = open.remove(random.nextInt(open.size()));
                    router.onEnd(done, statuses[random.nextInt(statuses.length)], random.nextInt(100), now + 5);
                }
            }
            for (Route r : open) {
                router.onEnd(r, 200, 1, T0 + 40_000);
            }
        });
        assertTrue(picked.get() > 0);
        for (Deployment d : g) {
            assertEquals(0, router.inFlight("g", d.id()), d.id());
        }
        for (Deployment d : h) {
            assertEquals(0, router.inFlight("h", d.id()), d.id());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void capacityIsNeverOversold(String strategy) throws Exception {
        Router router = new Router(Map.of("g", List.of(
                deployment("g", "a", 300L, null, null),
                deployment("g", "b", 200L, 60_000L, null))), settings(strategy), 5L);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger onA = new AtomicInteger();
        runAll(THREADS, thread -> {
            for (int i = 0; i < 200; i++) {
                Route r = router.pick("g", 400, T0 + 1_000);
                if (r != null) {
                    admitted.incrementAndGet();
                    if (r.deployment().id().equals("a")) {
                        onA.incrementAndGet();
                    }
                    router.onEnd(r, 200, 400, T0 + 1_001);  // settles at the reserved figure
                }
            }
        });
        // a: 300 requests; b: min(200 requests, 60 000 / 400 = 150 token reservations) = 150
        assertEquals(450, admitted.get());
        assertEquals(300, onA.get());
        assertEquals(0, router.inFlight("g", "a"));
        assertEquals(0, router.inFlight("g", "b"));
    }
}
