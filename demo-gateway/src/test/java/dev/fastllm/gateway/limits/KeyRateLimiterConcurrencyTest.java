package dev.fastllm.gateway.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact invariants under contention: no over-admission, no lost or leaked parallel slot. */
class KeyRateLimiterConcurrencyTest {

    private static final int THREADS = 8;
    private static final long T0 = 5_000_000L;

    private static List<Future<?>> runAll(ExecutorService pool, int threads, Runnable body) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                start.await();
                body.run();
                return null;
            }));
        }
        start.countDown();
        return futures;
    }

    private static void join(List<Future<?>> futures) throws Exception {
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void neverAdmitsMoreThanTheRequestLimitInAWindow() throws Exception {
        KeyRateLimiter limiter = new KeyRateLimiter();
        KeyLimits limits = new KeyLimits(1_000, Long.MAX_VALUE, Integer.MAX_VALUE);
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            join(runAll(pool, THREADS, () -> {
                for (int i = 0; i < 2_000; i++) {
                    if (limiter.tryAcquire("k", limits, 0, T0 + i % 50_000).allowed()) {
                        admitted.incrementAndGet();
                        limiter.release("k");
                    }
                }
            }));
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1_000, admitted.get());
        assertEquals(0, limiter.peek("k", limits, T0).remainingRequests());
    }

    @Test
    void neverReservesMoreThanTheTokenLimitInAWindow() throws Exception {
        KeyRateLimiter limiter = new KeyRateLimiter();
        KeyLimits limits = new KeyLimits(Long.MAX_VALUE, 10_000, Integer.MAX_VALUE);
        AtomicLong reserved = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            join(runAll(pool, THREADS, () -> {
                for (int i = 0; i < 2_000; i++) {
                    long want = 1 + (i * 7L) % 13;
                    if (limiter.tryAcquire("k", limits, want, T0).allowed()) {
                        reserved.addAndGet(want);
                        limiter.release("k");
                    }
                }
            }));
        } finally {
            pool.shutdownNow();
        }
        assertTrue(reserved.get() <= 10_000, "reserved " + reserved.get());
        assertEquals(10_000 - reserved.get(), limiter.peek("k", limits, T0).remainingTokens());
    }

    @Test
    void parallelLimitHoldsAtEveryInstantAndEverySlotComesBack() throws Exception {
        KeyRateLimiter limiter = new KeyRateLimiter();
        int maxParallel = 3;
        KeyLimits limits = new KeyLimits(Long.MAX_VALUE, Long.MAX_VALUE, maxParallel);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            join(runAll(pool, THREADS, () -> {
                for (int i = 0; i < 20_000; i++) {
                    String key = (i & 1) == 0 ? "a" : "b";
                    if (limiter.tryAcquire(key, limits, 1, T0 + i).allowed()) {
                        admitted.incrementAndGet();
                        if (key.equals("a")) {
                            int now = inside.incrementAndGet();
                            highWater.accumulateAndGet(now, Math::max);
                            Thread.onSpinWait();
                            inside.decrementAndGet();
                        }
                        limiter.release(key);
                    }
                }
            }));
        } finally {
            pool.shutdownNow();
        }
        assertTrue(highWater.get() <= maxParallel, "high water " + highWater.get());
        assertTrue(admitted.get() > 0);
        // every slot is free: exactly maxParallel acquisitions succeed again, the next does not
        for (String key : new String[] {"a", "b"}) {
            for (int i = 0; i < maxParallel; i++) {
                assertTrue(limiter.tryAcquire(key, limits, 0, T0 + 100_000).allowed());
            }
            assertEquals(RateLimitDecision.Limit.PARALLEL,
                    limiter.tryAcquire(key, limits, 0, T0 + 100_000).rejectedBy());
        }
    }

    @Test
    void evictionRacingWithTrafficNeverLosesAHeldSlot() throws Exception {
        KeyRateLimiter limiter = new KeyRateLimiter();
        int maxParallel = 2;
        KeyLimits limits = new KeyLimits(Long.MAX_VALUE, Long.MAX_VALUE, maxParallel);
        AtomicLong clock = new AtomicLong(T0);
        String[] keys = {"k0", "k1", "k2", "k3"};
        AtomicInteger[] inside = new AtomicInteger[keys.length];
        for (int i = 0; i < keys.length; i++) {
            inside[i] = new AtomicInteger();
        }
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger evicted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            // every worker also evicts now and then, so eviction always races with other workers' traffic
            join(runAll(pool, THREADS, () -> {
                for (int i = 0; i < 20_000; i++) {
                    int k = i % keys.length;
                    long now = (i % 64 == 0) ? clock.addAndGet(61_000) : clock.get();
                    if (i % 64 == 0) { // right after the clock moved: every idle window has expired
                        evicted.addAndGet(limiter.evictIdle(now));
                    }
                    if (limiter.tryAcquire(keys[k], limits, 0, now).allowed()) {
                        int n = inside[k].incrementAndGet();
                        highWater.accumulateAndGet(n, Math::max);
                        inside[k].decrementAndGet();
                        limiter.release(keys[k]);
                    }
                }
            }));
        } finally {
            pool.shutdownNow();
        }
        assertTrue(highWater.get() <= maxParallel, "high water " + highWater.get());
        assertTrue(evicted.get() > 0, "eviction should have run against live traffic");
        // nothing is held: after the last window expires every key's state goes
        limiter.evictIdle(clock.get() + 60_000);
        assertEquals(0, limiter.trackedKeys());
    }
}
