package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact invariants under several threads: every call counted once, half-open never over-admits. */
class ConcurrencyTest {

    private static final int THREADS = 4;

    private static void runThreads(Runnable body) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                body.run();
            });
            th.start();
            threads.add(th);
        }
        start.countDown();
        for (Thread th : threads) {
            th.join(TimeUnit.MINUTES.toMillis(1));
        }
    }

    @Test
    void everyCallIsCountedExactlyOnce() throws InterruptedException {
        Points points = new Points(Settings.load("breaker.failures=1000000", null, null, new RecordingWarnings()),
                NanoClock.SYSTEM, new RecordingWarnings());
        Point p = points.declare("stress.tokens", Component.TOKENS, Kind.PURE, Flag.canary(70));
        int perThread = 50_000;
        AtomicInteger wrong = new AtomicInteger();
        runThreads(() -> {
            for (int i = 0; i < perThread; i++) {
                int answer = p.callInt(i, n -> {
                    if (n % 97 == 0) {
                        throw new IllegalStateException();
                    }
                    return n % 89 == 0 ? Point.DECLINE_INT : n * 2;
                }, n -> n * 2);
                if (answer != i * 2) {
                    wrong.incrementAndGet();
                }
            }
        });
        assertEquals(0, wrong.get());
        long total = p.calls(Path.ORIGINAL) + p.calls(Path.FAST) + p.calls(Path.FALLBACK);
        assertEquals((long) THREADS * perThread, total);
        assertEquals(p.calls(Path.FALLBACK), p.errors() + p.declines());
    }

    @Test
    void halfOpenNeverAdmitsMoreTrialsThanAllowed() throws InterruptedException {
        ManualClock clock = new ManualClock();
        Points points = new Points(Settings.load("breaker.failures=1,breaker.trials=3", null, null,
                new RecordingWarnings()), clock, new RecordingWarnings());
        Point p = points.declare("stress.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        p.fastFailed(p.decide(), new IllegalStateException());
        assertEquals(BreakerState.OPEN, p.breaker().state());
        clock.advance(30, TimeUnit.SECONDS);
        AtomicInteger trials = new AtomicInteger();
        runThreads(() -> {
            for (int i = 0; i < 10_000; i++) {
                int d = p.decide();
                if ((d & Point.TRIAL) != 0) {
                    trials.incrementAndGet();
                }
            }
        });
        assertEquals(3, trials.get());
        assertEquals(BreakerState.HALF_OPEN, p.breaker().state());
        assertTrue(p.calls(Path.ORIGINAL) >= THREADS * 10_000L - 3);
    }
}
