package dev.fastllm.core.routing;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 64 threads on one router, every strategy, with exact invariants. */
class RouterStressTest {

    private static final int THREADS = 64;
    private static final long T0 = 1_700_000_040_000L;
    private static final long U = FastRouter.UNSET;

    private static void runAll(Worker body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    body.run(id);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Worker {
        void run(int thread) throws Exception;
    }

    private static FastRouter router(String strategy, int allowedFails, long cooldownMillis) {
        return FastRouter.builder(strategy, allowedFails, cooldownMillis)
                .group("g", new String[]{"a", "b", "c"}, new long[]{U, U, U}, new long[]{U, U, U}, new long[]{U, U, 3})
                .group("h", new String[]{"x", "y"}, new long[]{U, 50}, new long[]{U, 5_000}, new long[]{U, U})
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void inFlightReturnsToZeroAndEveryClaimEndsOnce(String strategy) throws Exception {
        FastRouter router = router(strategy, 5, 1_000);
        int[] statuses = {200, 200, 200, 200, 429, 500, 0, 400, FastRouter.CANCELLED};
        AtomicInteger picked = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        runAll(thread -> {
            SplittableRandom rnd = new SplittableRandom(thread);
            List<Claim> open = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                long now = T0 + i * 7L; // crosses minutes and cooldowns
                Claim c = router.pick((i & 1) == 0 ? "g" : "h", rnd.nextInt(50), now);
                if (c != null) {
                    picked.incrementAndGet();
                    open.add(c);
                }
                while (open.size() > rnd.nextInt(4)) {
                    Claim done = open.remove(rnd.nextInt(open.size()));
                    int status = statuses[rnd.nextInt(statuses.length)];
                    if (router.onEnd(done, status, rnd.nextInt(100), now + 5)) {
                        ended.incrementAndGet();
                    }
                    if (router.onEnd(done, 200, 1, now + 6)) { // a second end changes nothing
                        ended.incrementAndGet();
                    }
                }
            }
            for (Claim c : open) {
                if (router.onEnd(c, 200, 1, T0 + 40_000)) {
                    ended.incrementAndGet();
                }
            }
        });
        assertTrue(picked.get() > 0);
        assertEquals(picked.get(), ended.get(), "every claim ended exactly once");
        for (String id : new String[]{"a", "b", "c"}) {
            assertEquals(0, router.inFlight("g", id), id);
        }
        for (String id : new String[]{"x", "y"}) {
            assertEquals(0, router.inFlight("h", id), id);
        }
    }

    /**
     * Claims picked on 64 threads and ended on 64 others, and some on the test's thread: whichever threads
     * count a claim in and out, the in-flight counts are exact once nothing is in progress.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void inFlightIsExactWhenClaimsEndOnOtherThreads(String strategy) throws Exception {
        FastRouter router = router(strategy, 5, 1_000);
        String[] ids = {"a", "b", "c"};
        ConcurrentLinkedQueue<Claim> open = new ConcurrentLinkedQueue<>();
        runAll(thread -> {
            for (int i = 0; i < 200; i++) {
                open.add(router.pick("g", 10, T0 + i));
            }
        });
        assertInFlight(router, ids, open);
        runAll(thread -> {
            for (int i = 0; i < 100; i++) {
                Claim c = open.poll();
                assertTrue(router.onEnd(c, 200, 10, T0 + 500));
            }
        });
        assertEquals(THREADS * 100, open.size());
        assertInFlight(router, ids, open);
        for (int i = 0; i < THREADS * 50; i++) {
            assertTrue(router.onEnd(open.poll(), 200, 10, T0 + 600));
        }
        assertInFlight(router, ids, open);
        runAll(thread -> {
            Claim c;
            while ((c = open.poll()) != null) {
                assertTrue(router.onEnd(c, 500, 0, T0 + 700));
            }
        });
        for (String id : ids) {
            assertEquals(0, router.inFlight("g", id), id);
        }
    }

    /**
     * Claims and ends on 64 threads while the minute rolls again and again (one clock for all, 200 ms a call,
     * so a new minute every 300 calls, about 300 of them), minutes started by picks, ends and retry-afters
     * alike: under least-busy the counts move from minute to minute as claims and ends race with the move,
     * and none may be lost or counted twice.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void inFlightIsExactAcrossMinuteRolls(String strategy) throws Exception {
        for (int round = 0; round < 8; round++) { // a count lost to a move needs a call late at that moment
            FastRouter router = router(strategy, 1_000_000, 0);
            String[] ids = {"a", "b", "c"};
            ConcurrentLinkedQueue<Claim> open = new ConcurrentLinkedQueue<>();
            AtomicLong calls = new AtomicLong();
            runAll(thread -> {
                SplittableRandom rnd = new SplittableRandom(thread);
                List<Claim> mine = new ArrayList<>();
                for (int i = 0; i < 1_500; i++) {
                    long now = T0 + calls.getAndIncrement() * 200L;
                    int op = rnd.nextInt(10);
                    if (op < 5) {
                        mine.add(router.pick("g", 10, now));
                    } else if (op < 9 && !mine.isEmpty()) {
                        assertTrue(router.onEnd(mine.remove(rnd.nextInt(mine.size())), 200, 12, now));
                    } else {
                        router.retryAfterMillis("g", 10, now);
                    }
                }
                open.addAll(mine);
            });
            assertInFlight(router, ids, open);
            runAll(thread -> {
                Claim c;
                while ((c = open.poll()) != null) {
                    assertTrue(router.onEnd(c, 200, 12, T0 + 400 * FastRouter.MINUTE_MILLIS));
                }
            });
            for (String id : ids) {
                assertEquals(0, router.inFlight("g", id), id);
            }
        }
    }

    private static void assertInFlight(FastRouter router, String[] ids, Iterable<Claim> open) {
        int[] expected = new int[ids.length];
        for (Claim c : open) {
            expected[c.deployment()]++;
        }
        for (int i = 0; i < ids.length; i++) {
            assertEquals(expected[i], router.inFlight("g", ids[i]), ids[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void capacityIsNeverOversoldInAnyMinute(String strategy) throws Exception {
        FastRouter router = FastRouter.builder(strategy, 3, 5_000)
                .group("g", new String[]{"a", "b", "c"}, new long[]{300, 200, U}, new long[]{U, 60_000, 20_000},
                        new long[]{U, U, U})
                .build();
        int minutes = 3;
        AtomicLongArray admitted = new AtomicLongArray(minutes * 3);
        AtomicLongArray tokens = new AtomicLongArray(minutes * 3);
        runAll(thread -> {
            SplittableRandom rnd = new SplittableRandom(thread);
            for (int m = 0; m < minutes; m++) {
                for (int i = 0; i < 40; i++) {
                    long now = T0 + m * FastRouter.MINUTE_MILLIS + rnd.nextInt(1000);
                    long estimate = 300 + rnd.nextInt(200);
                    Claim c = router.pick("g", estimate, now);
                    if (c != null) {
                        admitted.incrementAndGet(m * 3 + c.deployment());
                        tokens.addAndGet(m * 3 + c.deployment(), estimate);
                        // settles at the reserved figure, so tokens counted are exactly those estimated
                        router.onEnd(c, 200, estimate, now + 1);
                    }
                }
            }
        });
        for (int m = 0; m < minutes; m++) {
            assertTrue(admitted.get(m * 3) <= 300, "a over rpm in minute " + m);
            assertTrue(admitted.get(m * 3 + 1) <= 200, "b over rpm in minute " + m);
            assertTrue(tokens.get(m * 3 + 1) <= 60_000, "b over tpm in minute " + m + ": " + tokens.get(m * 3 + 1));
            assertTrue(tokens.get(m * 3 + 2) <= 20_000, "c over tpm in minute " + m + ": " + tokens.get(m * 3 + 2));
        }
        assertEquals(0, router.inFlight("g", "a"));
    }

    /** Exactly the capacity is admitted when the demand exceeds it: no pick refused while capacity is left. */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void exactlyTheCapacityIsAdmitted(String strategy) throws Exception {
        FastRouter router = FastRouter.builder(strategy, 3, 5_000)
                .group("g", new String[]{"a", "b"}, new long[]{300, 200}, new long[]{U, 60_000}, new long[]{U, U})
                .build();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger onA = new AtomicInteger();
        runAll(thread -> {
            for (int i = 0; i < 30; i++) {
                Claim c = router.pick("g", 400, T0 + 1_000);
                if (c != null) {
                    admitted.incrementAndGet();
                    if (c.deployment() == 0) {
                        onA.incrementAndGet();
                    }
                    router.onEnd(c, 200, 400, T0 + 1_001);
                }
            }
        });
        // a: 300 requests; b: min(200 requests, 60 000 / 400 = 150 token reservations) = 150
        assertEquals(450, admitted.get());
        assertEquals(300, onA.get());
    }

    /**
     * Token counts crossing the compact word's 2^43 - 1 under 64 threads: claims of huge estimates and
     * settlements of huge totals freeze words while other threads claim, settle and pick on them. A single
     * deployment of tpm 2^44 + 5 asked for 2^40 + 1 at a time admits exactly 15 (the 8th crosses 2^43); in a
     * group of four, every minute ends with each deployment's exact requests and tokens (the estimates of
     * open and succeeded claims, over-reported totals on the one without tpm), never above a set tpm, and
     * nothing in flight.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void tokensPast2pow43AreExactAndNeverOversold(String strategy) throws Exception {
        long e = (1L << 40) + 1;
        long[] tpm = {U, (1L << 44) + 5, MinuteUsage.TOKENS_MAX, 1_000};
        long[] rpm = {U, U, U, 50};
        FastRouter router = FastRouter.builder(strategy, 1_000_000, 0)
                .group("one", new String[]{"o"}, new long[]{U}, new long[]{(1L << 44) + 5}, new long[]{U})
                .group("g", new String[]{"a", "b", "c", "d"}, rpm, tpm, new long[]{U, U, U, U})
                .build();
        long[] estimates = {0, 7, 300, e, 1L << 42, MinuteUsage.TOKENS_MAX - 3};
        for (int m = 0; m < 3; m++) {
            long minute = T0 + m * FastRouter.MINUTE_MILLIS;
            AtomicInteger one = new AtomicInteger();
            // per claim of "g": deployment, estimate, tokens it leaves counted (-1 while open)
            ConcurrentLinkedQueue<long[]> settled = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Claim> left = new ConcurrentLinkedQueue<>();
            runAll(thread -> {
                SplittableRandom rnd = new SplittableRandom(thread * 31L + minute);
                List<Claim> open = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    long now = minute + rnd.nextInt(1_000);
                    if (i % 8 == 0) {
                        Claim c = router.pick("one", e, now);
                        if (c != null) {
                            one.incrementAndGet();
                            assertTrue(router.onEnd(c, 200, e, now));
                        }
                    }
                    Claim c = router.pick("g", estimates[rnd.nextInt(estimates.length)], now);
                    if (c != null) {
                        open.add(c);
                    }
                    if (!open.isEmpty() && rnd.nextInt(3) != 0) {
                        Claim done = open.remove(rnd.nextInt(open.size()));
                        long reserved = done.reservedTokens();
                        boolean ok = rnd.nextInt(4) != 0;
                        // only the deployment without tpm reports more than reserved (up to 2^43 more)
                        long total = !ok ? 0 : done.deployment() == 0 && rnd.nextBoolean()
                                ? reserved + rnd.nextLong(1L << 43) : reserved;
                        assertTrue(router.onEnd(done, ok ? 200 : 500, total, now));
                        settled.add(new long[]{done.deployment(), reserved, total});
                    }
                    if (rnd.nextInt(5) == 0) {
                        router.retryAfterMillis("g", estimates[rnd.nextInt(estimates.length)], now);
                    }
                }
                for (Claim c : open) {
                    settled.add(new long[]{c.deployment(), c.reservedTokens(), -1});
                }
                left.addAll(open);
            });
            assertEquals(15, one.get(), "tpm 2^44 + 5 holds exactly 15 of 2^40 + 1, minute " + m);
            MinuteUsage u1 = router.group("one").usage();
            assertEquals(15 * e, MinuteUsage.tokens(u1, 0));
            assertEquals(15, u1.requests(0));
            long[] tokens = new long[4];
            long[] requests = new long[4];
            for (long[] s : settled) {
                int i = (int) s[0];
                requests[i]++;
                tokens[i] += s[2] < 0 ? s[1] : s[2];
            }
            MinuteUsage u = router.group("g").usage();
            assertEquals(minute / FastRouter.MINUTE_MILLIS, u.minute);
            for (int i = 0; i < 4; i++) {
                assertEquals(requests[i], u.requests(i), "requests of " + i + ", minute " + m);
                assertEquals(tokens[i], MinuteUsage.tokens(u, i), "tokens of " + i + ", minute " + m);
                assertTrue(tpm[i] == U || tokens[i] <= tpm[i], "over tpm: " + i + ", minute " + m);
                assertTrue(rpm[i] == U || requests[i] <= rpm[i], "over rpm: " + i + ", minute " + m);
            }
            assertTrue(tokens[0] > MinuteUsage.TOKENS_MAX, "deployment a went wide: " + tokens[0]);
            // what is still open ends in the same minute, using what it reserved: counts unchanged
            runAll(thread -> {
                Claim c;
                while ((c = left.poll()) != null) {
                    assertTrue(router.onEnd(c, 200, c.reservedTokens(), minute + 2_000));
                }
            });
            for (int i = 0; i < 4; i++) {
                assertEquals(tokens[i], MinuteUsage.tokens(u, i), "tokens of " + i + " after the last ends");
                assertEquals(0, router.inFlight("g", "abcd".substring(i, i + 1)));
            }
            assertEquals(0, router.inFlight("one", "o"));
        }
    }

    /** Once a failure has cooled a deployment down, no pick that starts afterwards chooses it until it ends. */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void aCoolingDeploymentIsNeverPicked(String strategy) throws Exception {
        FastRouter router = FastRouter.builder(strategy, 0, 60_000)
                .group("g", new String[]{"a", "b", "c", "d"}, new long[]{U, U, U, U}, new long[]{U, U, U, U},
                        new long[]{U, U, U, U})
                .build();
        AtomicLong coolingMask = new AtomicLong(); // bit i: deployment i's cooldown is established
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger picks = new AtomicInteger();
        runAll(thread -> {
            SplittableRandom rnd = new SplittableRandom(thread);
            for (int i = 0; i < 500; i++) {
                long now = T0 + i; // all within the first cooldown
                long coolingBefore = coolingMask.get();
                Claim c = router.pick("g", 1, now);
                if (c == null) {
                    continue;
                }
                picks.incrementAndGet();
                if ((coolingBefore & (1L << c.deployment())) != 0) {
                    violations.incrementAndGet();
                }
                boolean fail = c.deployment() < 3 && rnd.nextInt(50) == 0; // a, b, c fail now and then; d never
                router.onEnd(c, fail ? 503 : 200, 1, now);
                if (fail) {
                    coolingMask.getAndAccumulate(1L << c.deployment(), (x, y) -> x | y);
                }
            }
        });
        assertEquals(0, violations.get(), "picks of a deployment already cooling down");
        assertTrue(picks.get() > 0);
        for (int i = 0; i < 3; i++) {
            if ((coolingMask.get() & (1L << i)) != 0) {
                assertTrue(router.isCoolingDown("g", "abcd".substring(i, i + 1), T0 + 500));
            }
        }
        assertTrue(!router.isCoolingDown("g", "d", T0 + 500));
    }
}
