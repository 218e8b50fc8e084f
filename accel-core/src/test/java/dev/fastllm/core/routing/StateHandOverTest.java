package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FastRouter#state}, {@link FastRouter#takeOver} and {@link FastRouter#forget}, what the agent uses
 * to hand a group's state over when the group moves between the gateway's router and the twin: which
 * minute's usage is taken, how failure windows join, what forgetting keeps. The round trip's exactness over
 * random sequences is {@code RouterDifferentialTest.sameAnswersWithTheStateHandedAwayAndBack}.
 */
class StateHandOverTest {

    static final long T = 500L * FastRouter.MINUTE_MILLIS;
    static final long M = T / FastRouter.MINUTE_MILLIS;
    static final long U = FastRouter.UNSET;
    static final long[] NO_LATENCIES = {};

    static FastRouter router(String strategy, long rpm, long tpm) {
        return FastRouter.builder(strategy, 2, 4_000).seed(3)
                .group("g", new String[] {"a", "b"}, new long[] {rpm, U}, new long[] {tpm, U}, new long[] {U, U})
                .build();
    }

    static DeploymentState used(long minute, long requests, long tokens) {
        return new DeploymentState(minute, requests, tokens, 0, 0, Long.MIN_VALUE, NO_LATENCIES);
    }

    static DeploymentState nothing() {
        return used(Long.MIN_VALUE, 0, 0);
    }

    @Test
    void usageOfTheCurrentMinuteIsAddedWhateverTheLimits() {
        FastRouter r = router(FastRouter.USAGE_BASED_V2, 3, U);
        Claim c = r.pick("g", 10, T);
        assertNotNull(c);
        r.takeOver("g", new DeploymentState[] {used(M, 5, 700), used(M, 1, 20)});
        DeploymentState[] s = r.state("g");
        int i = c.deployment();
        assertEquals(i == 0 ? 6 : 5, s[0].requests(), "beyond rpm 3: the carried requests were made");
        assertEquals(i == 0 ? 710 : 700, s[0].tokens());
        assertEquals(M, s[0].minute());
        // a is over its rpm for the rest of the minute: every pick goes to b, as usage-based would not choose
        // b (more tokens used) if a could take it
        for (int k = 0; k < 5; k++) {
            assertEquals("b", r.pick("g", 1, T + 1 + k).deploymentId());
        }
        assertEquals("a", r.pick("g", 1, T + FastRouter.MINUTE_MILLIS).deploymentId(), "a new minute frees a");
    }

    @Test
    void aLaterMinuteStartsWithTheCarriedUsageAndAnEarlierOneIsIgnored() {
        FastRouter r = router(FastRouter.SIMPLE_SHUFFLE, 2, U);
        r.pick("g", 10, T); // the twin's minute is M
        r.takeOver("g", new DeploymentState[] {used(M - 1, 2, 5), nothing()});
        assertTrue(r.state("g")[0].requests() <= 1, "an earlier minute's usage counts nothing");
        r.takeOver("g", new DeploymentState[] {used(M + 1, 2, 5), used(M + 1, 0, 3)});
        DeploymentState[] s = r.state("g");
        assertEquals(M + 1, s[0].minute());
        assertEquals(2, s[0].requests());
        assertEquals(5, s[0].tokens());
        assertEquals(3, s[1].tokens());
        for (int k = 0; k < 4; k++) {
            assertEquals("b", r.pick("g", 1, T + FastRouter.MINUTE_MILLIS + k).deploymentId(), "a is at its rpm");
        }
    }

    @Test
    void tokensBeyondTheCompactWordAreCarriedExactly() {
        FastRouter r = router(FastRouter.USAGE_BASED_V2, U, U);
        r.pick("g", 10, T);
        long huge = MinuteUsage.TOKENS_MAX + 5;
        r.takeOver("g", new DeploymentState[] {used(M, 1, huge), nothing()});
        r.takeOver("g", new DeploymentState[] {used(M, 0, Long.MAX_VALUE), nothing()});
        assertEquals(Long.MAX_VALUE, r.state("g")[0].tokens(), "saturates as the original's");
        FastRouter fresh = router(FastRouter.USAGE_BASED_V2, U, U);
        fresh.takeOver("g", new DeploymentState[] {used(M, 1, huge), nothing()});
        assertEquals(huge, fresh.state("g")[0].tokens());
    }

    @Test
    void failureWindowsJoin() {
        int allowed = 3;
        // one side counted nothing: the other's window as it is
        assertArrayEquals(new long[] {T, 2}, DeploymentState.joinFailures(T, 2, 0, 0, allowed));
        assertArrayEquals(new long[] {T, 2}, DeploymentState.joinFailures(9, 0, T, 2, allowed));
        assertArrayEquals(new long[] {9, 0}, DeploymentState.joinFailures(5, 0, 9, 0, allowed));
        // both within a minute: the earlier start, the counts added up to allowed_fails
        assertArrayEquals(new long[] {T, 3}, DeploymentState.joinFailures(T + 10, 1, T, 2, allowed));
        assertArrayEquals(new long[] {T, 3}, DeploymentState.joinFailures(T, 2, T + 59_999, 2, allowed));
        // a minute or more apart: the later window alone
        assertArrayEquals(new long[] {T + 60_000, 1}, DeploymentState.joinFailures(T, 2, T + 60_000, 1, allowed));
        assertArrayEquals(new long[] {T + 60_000, 1}, DeploymentState.joinFailures(T + 60_000, 1, T, 2, allowed));

        FastRouter r = router(FastRouter.SIMPLE_SHUFFLE, U, U);
        r.takeOver("g", new DeploymentState[] {
                new DeploymentState(M, 0, 0, T, 2, Long.MIN_VALUE, NO_LATENCIES), nothing()});
        // allowed_fails 2, two carried: the next failure in the window is the third and cools a down
        Claim c;
        do {
            c = r.pick("g", 1, T + 100);
            if (!c.deploymentId().equals("a")) {
                r.onEnd(c, 200, 1, T + 100);
            }
        } while (!c.deploymentId().equals("a"));
        r.onEnd(c, 503, 0, T + 200);
        assertTrue(r.isCoolingDown("g", "a", T + 201));
        assertEquals(T + 200 + 4_000, r.state("g")[0].coolUntil());
    }

    @Test
    void forgettingKeepsTheMinuteTheCooldownsAndTheRequestsInFlight() {
        FastRouter r = router(FastRouter.LEAST_BUSY, U, U);
        Claim c = r.pick("g", 10, T);
        r.takeOver("g", new DeploymentState[] {new DeploymentState(M, 0, 0, T, 1, Long.MIN_VALUE, NO_LATENCIES),
                new DeploymentState(Long.MIN_VALUE, 0, 0, 0, 0, T + 3_000, NO_LATENCIES)});
        r.forget("g");
        DeploymentState[] s = r.state("g");
        assertEquals(M, s[0].minute());
        assertEquals(0, s[0].requests());
        assertEquals(0, s[0].failCount());
        assertEquals(T + 3_000, s[1].coolUntil());
        assertEquals(1, r.inFlight("g", c.deploymentId()), "least-busy's count lives in the minute: moved over");
        assertTrue(r.onEnd(c, 200, 5, T + 10));
        assertEquals(0, r.inFlight("g", c.deploymentId()));
        r.forget("nope"); // ignored
        assertNull(r.state("nope"));
    }

    @Test
    void latenciesAreReadOldestFirstAndRecordedAfterTheRouterOwn() {
        FastRouter r = router(FastRouter.LATENCY_BASED, U, U);
        long[] twelve = new long[12];
        for (int k = 0; k < 12; k++) {
            twelve[k] = 100 + k;
        }
        DeploymentState slow = new DeploymentState(Long.MIN_VALUE, 0, 0, 0, 0, Long.MIN_VALUE, twelve);
        assertEquals(10, slow.latencies().length, "the last ten are kept");
        assertEquals(102, slow.latencies()[0]);
        r.takeOver("g", new DeploymentState[] {slow, nothing()});
        assertArrayEquals(slow.latencies(), r.state("g")[0].latencies());
        // b never measured counts as fastest: every pick goes to b until b is measured
        for (int k = 0; k < 5; k++) {
            Claim c = r.pick("g", 1, T + k);
            assertEquals("b", c.deploymentId());
            r.onEnd(c, 404, 0, T + k);
        }
        FastRouter other = router(FastRouter.LATENCY_BASED, U, U);
        Claim own = other.pick("g", 1, T);
        other.onEnd(own, 200, 1, T + 7);
        DeploymentState three = new DeploymentState(Long.MIN_VALUE, 0, 0, 0, 0, Long.MIN_VALUE,
                new long[] {102, 103, 104});
        other.takeOver("g", new DeploymentState[] {three, nothing()});
        long[] expected = own.deploymentId().equals("a") ? new long[] {7, 102, 103, 104} : three.latencies();
        assertArrayEquals(expected, other.state("g")[0].latencies());
        // the simple-shuffle twin keeps no latencies: nothing to record
        FastRouter shuffle = router(FastRouter.SIMPLE_SHUFFLE, U, U);
        shuffle.takeOver("g", new DeploymentState[] {slow, nothing()});
        assertEquals(0, shuffle.state("g")[0].latencies().length);
    }

    /**
     * The agent takes state over while routes still open on the new side end (a group moving to where the
     * state is): each part of {@code takeOver} is an atomic update, so nothing is lost to the ends racing it.
     */
    @Test
    void takingOverBesideEndsLosesNothing() throws Exception {
        String[] strategies = {FastRouter.LEAST_BUSY, FastRouter.LATENCY_BASED, FastRouter.SIMPLE_SHUFFLE};
        for (String strategy : strategies) {
            for (int round = 0; round < 20; round++) {
                FastRouter r = router(strategy, U, U);
                int claims = 2_000;
                List<Claim> open = new ArrayList<>();
                for (int k = 0; k < claims; k++) {
                    open.add(r.pick("g", 5, T));
                }
                CountDownLatch go = new CountDownLatch(1);
                Thread[] enders = new Thread[4];
                for (int t = 0; t < enders.length; t++) {
                    int from = t;
                    enders[t] = new Thread(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        for (int k = from; k < claims; k += enders.length) {
                            r.onEnd(open.get(k), 200, 7, T + 1);
                        }
                    });
                    enders[t].start();
                }
                DeploymentState[] carried = new DeploymentState[2];
                for (int i = 0; i < 2; i++) {
                    carried[i] = new DeploymentState(M, 100, 1_000, T, 1, T + 9, new long[] {3, 4});
                }
                go.countDown();
                r.takeOver("g", carried);
                for (Thread t : enders) {
                    t.join();
                }
                DeploymentState[] s = r.state("g");
                long picked0 = open.stream().filter(c -> c.deployment() == 0).count();
                long[] picked = {picked0, claims - picked0};
                for (int i = 0; i < 2; i++) {
                    String at = strategy + " round " + round + " deployment " + i;
                    assertEquals(picked[i] + 100, s[i].requests(), at);
                    assertEquals(picked[i] * 7 + 1_000, s[i].tokens(), at);
                    assertEquals(1, s[i].failCount(), at);
                    assertEquals(T + 9, s[i].coolUntil(), at);
                    assertEquals(0, r.inFlight("g", i == 0 ? "a" : "b"), at);
                    if (strategy.equals(FastRouter.LATENCY_BASED)) {
                        assertEquals(Math.min(10, picked[i] + 2), s[i].latencies().length, at);
                    }
                }
            }
        }
    }

    @Test
    void aStateForAnotherShapeIsRefused() {
        FastRouter r = router(FastRouter.SIMPLE_SHUFFLE, U, U);
        assertThrows(IllegalArgumentException.class, () -> r.takeOver("g", new DeploymentState[] {nothing()}));
        r.takeOver("nope", new DeploymentState[] {nothing()}); // an unknown group is ignored
    }
}
