package dev.fastllm.core.routing;

import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Token counts beyond the compact word's 2^43 - 1, and huge estimates with {@code tpm} unset: the twin gives
 * the original's answers (which count tokens in a long saturating at 2^63 - 1), on the heap and off-heap
 * layouts, for every strategy; and a pick never spins. Each case failed before the wide cells: the twin
 * saturated its count at 2^43 - 1, and with {@code tpm} unset counted a deployment a candidate for any
 * estimate without reading its word, so a pick whose claim was refused chose it again forever.
 */
class RouterWideTokensTest {

    private static final long U = FastRouter.UNSET;
    private static final long T0 = 1_700_000_000_000L;
    private static final String[] STRATEGIES = {"simple-shuffle", "least-busy", "latency-based-routing",
            "usage-based-routing-v2"};

    /** The original and the twin side by side, every answer compared. */
    private static final class Both {
        final Router a;
        final FastRouter b;
        final String where;

        Both(String strategy, boolean onHeap, long seed, Originals.Spec spec) {
            this.a = Originals.original(strategy, 5, 0, seed, spec);
            this.b = Originals.twin(strategy, 5, 0, seed, spec, onHeap);
            this.where = strategy + (onHeap ? " (heap)" : " (off heap)") + " seed " + seed;
        }

        /** Picks on both; the same deployment or none. */
        Object[] pick(long tokens, long now) {
            Route r = a.pick("g", tokens, now);
            Claim c = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> b.pick("g", tokens, now),
                    where + ": pick " + tokens + " spins");
            assertEquals(r == null ? null : r.deployment().id(), c == null ? null : c.deploymentId(),
                    where + ": pick " + tokens);
            return r == null ? null : new Object[]{r, c};
        }

        void end(Object[] rc, int status, long total, long now) {
            assertEquals(a.onEnd((Route) rc[0], status, total, now), b.onEnd((Claim) rc[1], status, total, now),
                    where + ": end");
        }

        void retryAfter(long tokens, long now) {
            assertEquals(a.retryAfterMillis("g", tokens, now), b.retryAfterMillis("g", tokens, now),
                    where + ": retryAfter " + tokens);
        }
    }

    private static Originals.Spec spec(long[] rpm, long[] tpm) {
        String[] ids = new String[rpm.length];
        long[] weight = new long[rpm.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "d" + i;
            weight[i] = U;
        }
        return new Originals.Spec("g", ids, rpm, tpm, weight);
    }

    private interface Case {
        void run(Both both);
    }

    /** Runs {@code c} for every strategy, on both layouts, with a few seeds. */
    private static void everywhere(Originals.Spec spec, int seeds, Case c) {
        for (String strategy : STRATEGIES) {
            for (boolean onHeap : new boolean[]{false, true}) {
                for (long seed = 0; seed < seeds; seed++) {
                    c.run(new Both(strategy, onHeap, seed, spec));
                }
            }
        }
    }

    /** The hang: tpm unset, any usage, then an estimate of Long.MAX_VALUE: the original answers null. */
    @Test
    void aHugeEstimateAfterAnyUsageAnswersNullAndDoesNotSpin() {
        everywhere(spec(new long[]{U}, new long[]{U}), 1, both -> {
            assertNotNull(both.pick(1, T0));
            assertNull(both.pick(Long.MAX_VALUE, T0));
            both.retryAfter(Long.MAX_VALUE, T0);
            assertNotNull(both.pick(Long.MAX_VALUE - 1, T0)); // exactly what is left
            assertNull(both.pick(1, T0));
            assertNotNull(both.pick(0, T0)); // 0 <= tpm - used still
        });
    }

    /** (a) tpm unset, an estimate of Long.MAX_VALUE: nothing is left, not 2^63 - 2^43. */
    @Test
    void anEstimateOfLongMaxUsesAllOfAnUnsetTpm() {
        everywhere(spec(new long[]{U}, new long[]{U}), 1, both -> {
            assertNotNull(both.pick(Long.MAX_VALUE, T0));
            assertNull(both.pick(1, T0));
            both.retryAfter(1, T0);
            both.retryAfter(0, T0);
            assertNotNull(both.pick(1, T0 + FastRouter.MINUTE_MILLIS), "a new minute");
        });
    }

    /** (b) tpm unset, two estimates of 2^62 fit, a third does not; a dropped reservation makes room again. */
    @Test
    void estimatesOf2pow62AddUpExactly() {
        everywhere(spec(new long[]{U}, new long[]{U}), 1, both -> {
            Object[] first = both.pick(1L << 62, T0);
            assertNotNull(first);
            assertNull(both.pick(1L << 62, T0), "2^62 more than Long.MAX_VALUE - 2^62 left");
            both.retryAfter(1L << 62, T0);
            assertNotNull(both.pick((1L << 62) - 1, T0));
            assertNull(both.pick(1, T0));
            both.end(first, 500, 0, T0 + 1); // reservation dropped
            assertNotNull(both.pick(1L << 62, T0 + 2));
            assertNull(both.pick(1, T0 + 2));
        });
    }

    /**
     * (c) usage-based, tpm unset, totals 2^45, 2^44 and 2^43 + 1: the least used is chosen (the original
     * decides without a draw), not one of a tie at 2^43 - 1 drawn at random.
     */
    @Test
    void usageOrdersDeploymentsAbove2pow43() {
        Originals.Spec spec = spec(new long[]{U, U, U}, new long[]{U, U, U});
        for (boolean onHeap : new boolean[]{false, true}) {
            for (long seed = 0; seed < 20; seed++) {
                Both both = new Both("usage-based-routing-v2", onHeap, seed, spec);
                long[] totals = {1L << 45, 1L << 44, (1L << 43) + 1};
                for (long total : totals) {
                    Object[] rc = both.pick(0, T0); // the least used: ties at 0 drawn alike
                    both.end(rc, 200, total, T0);
                }
                for (int k = 0; k < 5; k++) {
                    Object[] rc = both.pick(0, T0); // the same deployment as the original's
                    both.end(rc, 200, 1L << 45, T0); // now the most used, until the next one
                }
            }
        }
    }

    /** (d) tpm 2^43 - 1, a success reporting 2^43 tokens: over tpm, nothing fits, not even 0 tokens. */
    @Test
    void anOverReportedTotalAtTpm2pow43Minus1LeavesNothing() {
        long tpm = MinuteUsage.TOKENS_MAX;
        everywhere(spec(new long[]{U}, new long[]{tpm}), 1, both -> {
            Object[] rc = both.pick(10, T0);
            both.end(rc, 200, tpm + 1, T0 + 1);
            assertNull(both.pick(0, T0 + 2));
            both.retryAfter(0, T0 + 2);
            assertNotNull(both.pick(tpm, T0 + FastRouter.MINUTE_MILLIS));
        });
    }

    /**
     * (e) tpm 2^42: a reservation of 2^42 - 1, a success reporting 2^43 on another claim, then the first
     * dropped: 2^43 used, over tpm. The saturated count (2^43 - 1 - (2^42 - 1) = 2^42) let a pick of 0 in.
     */
    @Test
    void aDroppedReservationAfterAHugeTotalLeavesTheExactCount() {
        long tpm = 1L << 42;
        everywhere(spec(new long[]{U}, new long[]{tpm}), 1, both -> {
            Object[] big = both.pick(tpm - 1, T0);
            Object[] small = both.pick(0, T0);
            both.end(small, 200, 1L << 43, T0);
            both.end(big, 500, 0, T0);
            assertNull(both.pick(0, T0));
            both.retryAfter(0, T0);
        });
    }

    /**
     * Two deployments without limits, one used, then an estimate of Long.MAX_VALUE: only the unused one fits.
     * The twin used to count both without reading their words and, when the draw chose the used one, draw
     * again after the refusal, so its later draws no longer matched the original's.
     */
    @Test
    void aRefusedClaimNeverShiftsTheDraws() {
        everywhere(spec(new long[]{U, U}, new long[]{U, U}), 10, both -> {
            assertNotNull(both.pick(1, T0));
            assertNotNull(both.pick(Long.MAX_VALUE, T0));
            for (int k = 0; k < 10; k++) {
                Object[] rc = both.pick(0, T0 + FastRouter.MINUTE_MILLIS);
                both.end(rc, 200, k, T0 + FastRouter.MINUTE_MILLIS);
            }
        });
    }

    /** Minutes started by a huge estimate or by a huge total settled into a new minute, then used further. */
    @Test
    void minutesStartedWideAnswerAsTheOriginal() {
        long[] tpms = {U, 1L << 44, Long.MAX_VALUE - 5};
        for (long tpm : tpms) {
            everywhere(spec(new long[]{U, 3}, new long[]{tpm, U}), 3, both -> {
                Object[] first = both.pick(1L << 43, T0);      // starts the minute wide
                assertNotNull(first);
                both.pick(5, T0);
                both.retryAfter(1L << 43, T0);
                both.end(first, 200, Long.MAX_VALUE, T0 + FastRouter.MINUTE_MILLIS); // starts the next minute wide
                both.pick(0, T0 + FastRouter.MINUTE_MILLIS);
                both.pick(1, T0 + FastRouter.MINUTE_MILLIS);
                both.retryAfter(0, T0 + FastRouter.MINUTE_MILLIS);
                both.retryAfter(1L << 40, T0 + FastRouter.MINUTE_MILLIS);
            });
        }
    }

    /**
     * A word frozen by a claim past 2^43 - 1 is the same minute as one started wide by that claim: frozen
     * word (0, 0), the exact counts in the cell, the deployment's tight bit set; and further claims and
     * settlements are exact there.
     */
    @Test
    void aFrozenWordKeepsExactCountsInItsCell() {
        for (MinuteUsage.Layout layout : MinuteUsage.Layout.values()) {
            for (boolean offHeap : new boolean[]{false, true}) {
                RoomyRegions regions = new RoomyRegions(new long[]{Long.MAX_VALUE, 7},
                        new long[]{Long.MAX_VALUE, 1L << 50});
                MinuteUsage claimed = new MinuteUsage(1, 2, regions.alwaysTight, layout, offHeap);
                assertTrue(claimed.claim(0, 1L << 44, Long.MAX_VALUE, Long.MAX_VALUE, regions));
                MinuteUsage started = MinuteUsage.startedWith(1, 2, 0, 1, 1L << 44, regions, layout, offHeap);
                for (MinuteUsage u : new MinuteUsage[]{claimed, started}) {
                    assertEquals(MinuteUsage.WIDE, u.word(0), layout + " frozen at (0, 0)");
                    assertEquals(1, u.tight());
                    assertEquals(1, u.requests(0));
                    assertEquals(1L << 44, MinuteUsage.tokens(u, 0));
                    assertEquals(0, u.word(1));
                    u.settle(0, 1L << 44, Long.MAX_VALUE - 1, regions);
                    assertEquals(Long.MAX_VALUE - 1, MinuteUsage.tokens(u, 0));
                    assertTrue(u.claim(0, 1, Long.MAX_VALUE, Long.MAX_VALUE, regions));
                    assertFalse(u.claim(0, 0, Long.MAX_VALUE, Long.MAX_VALUE - 1, regions));
                    assertTrue(u.claim(0, 0, Long.MAX_VALUE, Long.MAX_VALUE, regions));
                    u.settle(0, 0, 10, regions);
                    assertEquals(Long.MAX_VALUE, MinuteUsage.tokens(u, 0), "saturates at Long.MAX_VALUE");
                    u.settle(0, Long.MAX_VALUE, 0, regions);
                    assertEquals(0, MinuteUsage.tokens(u, 0), "not below 0");
                    assertEquals(3, u.requests(0));
                    assertEquals(MinuteUsage.WIDE, u.word(0), "a frozen word never changes");
                    // deployment 1 stays compact: its settlement past 2^43 - 1 freezes it with its fields
                    assertTrue(u.claim(1, 5, 7, 1L << 50, regions));
                    u.settle(1, 0, MinuteUsage.TOKENS_MAX, regions);
                    assertEquals(MinuteUsage.WIDE | MinuteUsage.word(1, 5), u.word(1));
                    assertEquals(3, u.tight());
                    assertEquals(MinuteUsage.TOKENS_MAX + 5, MinuteUsage.tokens(u, 1));
                    if (layout.flights) { // the counts after the words are untouched
                        assertEquals(0, u.flights(0));
                        assertEquals(0, u.flights(1));
                    }
                }
            }
        }
    }

    /** Any tpm is mirrored now; rpm keeps its bound (a saturated request count must never matter). */
    @Test
    void theBuilderTakesAnyTpmAndBoundsRpm() {
        FastRouter.builder("simple-shuffle", 0, 0).group("g", new String[]{"a", "b"}, new long[]{U, U},
                new long[]{MinuteUsage.TOKENS_MAX + 1, Long.MAX_VALUE}, new long[]{U, U}).build();
        assertThrows(IllegalArgumentException.class, () -> FastRouter.builder("simple-shuffle", 0, 0).group("g",
                new String[]{"a"}, new long[]{MinuteUsage.REQUESTS_MAX + 1}, new long[]{U}, new long[]{U}));
    }

    /** Huge tpm deployments, tokens crossing 2^43 by claims and settlements, every strategy and layout. */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void hugeLimitsAcrossTheCompactBound(String strategy) {
        Originals.Spec spec = spec(new long[]{U, 4, U}, new long[]{(1L << 44) + 3, U, MinuteUsage.TOKENS_MAX});
        long[] sizes = {0, 1, (1L << 42) + 7, MinuteUsage.TOKENS_MAX, 1L << 43, 1L << 44, 1L << 62,
                Long.MAX_VALUE};
        for (boolean onHeap : new boolean[]{false, true}) {
            for (long seed = 0; seed < 30; seed++) {
                Both both = new Both(strategy, onHeap, seed, spec);
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
                List<Object[]> open = new ArrayList<>();
                long now = T0;
                for (int step = 0; step < 60; step++) {
                    int op = rnd.nextInt(10);
                    if (op < 5) {
                        Object[] rc = both.pick(sizes[rnd.nextInt(sizes.length)], now);
                        if (rc != null) {
                            open.add(rc);
                        }
                    } else if (op < 8 && !open.isEmpty()) {
                        int[] statuses = {200, 200, 500, 400};
                        both.end(open.remove(rnd.nextInt(open.size())), statuses[rnd.nextInt(4)],
                                sizes[rnd.nextInt(sizes.length)], now);
                    } else if (op < 9) {
                        both.retryAfter(sizes[rnd.nextInt(sizes.length)], now);
                    } else {
                        now += rnd.nextInt(40_000);
                    }
                }
            }
        }
    }
}
