package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact invariants under 64 threads: a window never admits more than rpm requests or reserves more than tpm
 * tokens, a key never has more than maxParallel requests in flight, every slot is free after the burst, and
 * eviction, table growth, shrinking and base moves racing with traffic never lose or leak a slot. Each limit
 * is run in the compact range and past it (wide cells).
 */
class StressTest {
    private static final int THREADS = 64;
    private static final long T0 = 7_000_000L;
    private static final long NO_RPM = Long.MAX_VALUE;
    private static final long NO_TPM = Long.MAX_VALUE;
    private static final int NO_PARALLEL = Integer.MAX_VALUE;

    @FunctionalInterface
    interface Body {
        void run(int thread, LimitDecision d);
    }

    private static void race(Body body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    LimitDecision d = new LimitDecision();
                    start.await();
                    body.run(thread, d);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void admitsExactlyTheRequestLimitInAWindow() throws Exception {
        for (long rpm : new long[] {1_000, 20_000}) { // 20 000 is past the compact word's 8 191
            LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
            AtomicLong admitted = new AtomicLong();
            int tries = (int) (rpm * 2 / THREADS);
            race((thread, d) -> {
                for (int i = 0; i < tries; i++) {
                    if (limiter.tryAcquire("k", rpm, NO_TPM, NO_PARALLEL, 0, T0 + i % 50_000, d).allowed()) {
                        admitted.incrementAndGet();
                        limiter.release("k");
                    }
                }
            });
            assertEquals(rpm, admitted.get(), "rpm " + rpm);
            LimitDecision d = limiter.peek("k", rpm, NO_TPM, NO_PARALLEL, T0 + 59_999, new LimitDecision());
            assertEquals(RefusedBy.REQUESTS, d.refusedBy());
            assertEquals(0, d.remainingRequests());
            assertEquals(1, limiter.tryAcquire("k", rpm, NO_TPM, NO_PARALLEL, 0, T0 + 59_999, d).retryAfterMillis());
        }
    }

    @Test
    void reservesNoMoreThanTheTokenLimitAndCountsEveryToken() throws Exception {
        for (long tpm : new long[] {50_000, 50_000_000}) { // 50 M is past the compact word's 1 048 575
            LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
            AtomicLong reserved = new AtomicLong();
            long unit = tpm / 10_000;
            race((thread, d) -> {
                for (int i = 0; i < 400; i++) {
                    long want = unit * (1 + (i * 7L + thread) % 13);
                    if (limiter.tryAcquire("k", NO_RPM, tpm, NO_PARALLEL, want, T0, d).allowed()) {
                        reserved.addAndGet(want);
                        limiter.release("k");
                    }
                }
            });
            assertTrue(reserved.get() <= tpm, "reserved " + reserved.get());
            LimitDecision d = limiter.peek("k", NO_RPM, tpm, NO_PARALLEL, T0, new LimitDecision());
            assertEquals(tpm - reserved.get(), d.remainingTokens(), "every admitted token is counted once");
        }
    }

    @Test
    void neverExceedsParallelSlotsAndFreesEveryOne() throws Exception {
        for (int maxParallel : new int[] {3, 300}) { // 300 is past the compact word's 255 in flight
            LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger highWater = new AtomicInteger();
            AtomicLong admitted = new AtomicLong();
            race((thread, d) -> {
                for (int i = 0; i < 2_000; i++) {
                    String key = (i & 1) == 0 ? "a" : "b";
                    if (limiter.tryAcquire(key, NO_RPM, NO_TPM, maxParallel, 1, T0 + i, d).allowed()) {
                        admitted.incrementAndGet();
                        if (key.equals("a")) {
                            highWater.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.yield();
                            inside.decrementAndGet();
                        }
                        limiter.release(key);
                    }
                }
            });
            assertTrue(highWater.get() <= maxParallel, "high water " + highWater.get());
            assertTrue(admitted.get() > 0);
            assertAllSlotsFree(limiter, new String[] {"a", "b"}, maxParallel, T0 + 100_000);
        }
    }

    @Test
    void evictionGrowthAndBaseMovesRacingWithTrafficNeverLoseASlot() throws Exception {
        LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
        int maxParallel = 2;
        int keyCount = 3_000; // the table grows from 16 slots to 8 192 and shrinks when evicted
        String[] keys = new String[keyCount];
        for (int k = 0; k < keyCount; k++) {
            keys[k] = "key-" + k;
        }
        AtomicIntegerArray inside = new AtomicIntegerArray(keyCount);
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger evicted = new AtomicInteger();
        AtomicLong clock = new AtomicLong(T0);
        race((thread, d) -> {
            for (int i = 0; i < 3_000; i++) {
                int k = (i * 31 + thread * 977) % keyCount;
                long now;
                if (thread == 0 && i % 100 == 0) {
                    // past the window; now and then past the table's base range, which moves the base
                    now = clock.addAndGet(i % 1_000 == 0 ? 30 * 60_000L : 61_000);
                    evicted.addAndGet(limiter.evictIdle(now));
                } else {
                    now = clock.get();
                }
                if (limiter.tryAcquire(keys[k], NO_RPM, NO_TPM, maxParallel, 5, now, d).allowed()) {
                    highWater.accumulateAndGet(inside.incrementAndGet(k), Math::max);
                    Thread.onSpinWait();
                    inside.decrementAndGet(k);
                    limiter.release(keys[k]);
                }
            }
        });
        assertTrue(highWater.get() <= maxParallel, "high water " + highWater.get());
        assertTrue(evicted.get() > 0, "eviction ran against live traffic");
        long end = clock.get() + 60_000;
        assertAllSlotsFree(limiter, keys, maxParallel, end);
        limiter.evictIdle(end + 60_000);
        assertEquals(0, limiter.trackedKeys());
    }

    /** Every slot is free: exactly {@code maxParallel} acquisitions succeed per key, the next is refused. */
    private static void assertAllSlotsFree(LockFreeKeyRateLimiter limiter, String[] keys, int maxParallel, long now) {
        LimitDecision d = new LimitDecision();
        for (String key : keys) {
            for (int i = 0; i < maxParallel; i++) {
                assertTrue(limiter.tryAcquire(key, NO_RPM, NO_TPM, maxParallel, 0, now, d).allowed(), key + " slot " + i);
            }
            assertEquals(RefusedBy.PARALLEL, limiter.tryAcquire(key, NO_RPM, NO_TPM, maxParallel, 0, now, d).refusedBy(), key);
            for (int i = 0; i < maxParallel; i++) {
                limiter.release(key);
            }
        }
    }
}
