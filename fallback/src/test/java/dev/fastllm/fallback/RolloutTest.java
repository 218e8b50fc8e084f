package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutTest {

    private static final int KEYS = 20_000;

    private final Points points = new Points(Settings.load(null, null, null, new RecordingWarnings()),
            new ManualClock(), new RecordingWarnings());

    /** Asserts {@code hits} of {@code n} trials is within 6 standard deviations of {@code percent}. */
    private static void assertProportion(long hits, long n, double percent) {
        double p = percent / 100.0;
        double expected = n * p;
        double sd = Math.sqrt(n * p * (1 - p));
        assertTrue(Math.abs(hits - expected) <= 6 * sd + 1,
                hits + " of " + n + " is not within 6 sd of " + percent + "%");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, 0.5, 1, 10, 50, 99.5, 100})
    void pureCanaryDrawsPerCallInProportion(double percent) {
        Point p = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.canary(percent));
        int n = 200_000;
        int fast = 0;
        for (int i = 0; i < n; i++) {
            if (Point.isFast(p.decide())) {
                fast++;
            }
        }
        if (percent == 0) {
            assertEquals(0, fast);
        } else if (percent == 100) {
            assertEquals(n, fast);
        } else {
            assertProportion(fast, n, percent);
        }
        assertEquals(n - fast, p.calls(Path.ORIGINAL));
    }

    @Test
    void aFlagListenerRunsAfterEachChangeSeesTheNewFlagAndCannotUndoIt() {
        Point p = points.declare("test.connection-pool", Component.CONNECTION_POOL, Kind.STATEFUL, Flag.OFF);
        java.util.List<String> seen = new java.util.ArrayList<>();
        p.onFlagChange(() -> seen.add(p.flag().toString()));
        p.setFlag(Flag.ON, "test");
        p.setFlag(Flag.canary(25), "test");
        assertEquals(java.util.List.of("on", "canary:25"), seen);
        p.onFlagChange(() -> {
            throw new IllegalStateException("listener failure");
        });
        p.setFlag(Flag.OFF, "test"); // does not throw
        assertTrue(p.isOff());
        assertEquals(2, seen.size(), "one listener per point: the later one replaced the first");
    }

    @Test
    void isOffFollowsTheFlagAndCountsNothing() {
        Point p = points.declare("test.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF);
        assertTrue(p.isOff());
        p.setFlag(Flag.canary(0), "test");
        assertFalse(p.isOff(), "canary:0 is not off: a stateful point still looks for its twins");
        p.setFlag(Flag.ON, "test");
        assertFalse(p.isOff());
        p.setFlag(Flag.OFF, "test");
        assertTrue(p.isOff());
        assertEquals(0, p.calls(Path.ORIGINAL) + p.calls(Path.FAST), "asking counts no call");
    }

    @Test
    void pureShadowDrawsPerCallInProportion() {
        Point p = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(30));
        int n = 200_000;
        int shadow = 0;
        for (int i = 0; i < n; i++) {
            int d = p.decide();
            assertTrue(!Point.isFast(d));
            if (Point.isShadow(d)) {
                shadow++;
            }
        }
        assertProportion(shadow, n, 30);
        assertEquals(shadow, p.calls(Path.SHADOW));
    }

    @Test
    void offDecidesOriginalAndCountsNothing() {
        Point p = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        for (int i = 0; i < 1000; i++) {
            assertEquals(Point.ORIGINAL, p.decide());
        }
        assertEquals(0, p.calls(Path.ORIGINAL));
    }

    @Test
    void onDecidesFastForEveryCallAndEveryKey() {
        Point pure = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        Point keyed = points.declare("test.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.ON);
        for (int i = 0; i < 1000; i++) {
            assertTrue(Point.isFast(pure.decide()));
            assertTrue(Point.isFast(keyed.decide(("key" + i).hashCode())));
        }
    }

    private static BitSet fastKeys(Point p) {
        BitSet fast = new BitSet(KEYS);
        for (int k = 0; k < KEYS; k++) {
            int hash = ("tenant-" + k).hashCode();
            int first = p.decide(hash);
            for (int again = 0; again < 3; again++) {
                assertEquals(first & Point.PATH_MASK, p.decide(hash) & Point.PATH_MASK, "key " + k + " is not sticky");
            }
            assertEquals(Point.isFast(first), p.selectsKey(hash));
            if (Point.isFast(first)) {
                fast.set(k);
            }
        }
        return fast;
    }

    @Test
    void statefulCanaryIsStickyInProportionAndMonotonic() {
        Point p = points.declare("test.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF);
        double[] steps = {0, 1, 10, 50, 100};
        BitSet previous = new BitSet();
        for (double n : steps) {
            p.setFlag(Flag.canary(n), "test");
            BitSet fast = fastKeys(p);
            if (n == 0) {
                assertEquals(0, fast.cardinality());
            } else if (n == 100) {
                assertEquals(KEYS, fast.cardinality());
            } else {
                assertProportion(fast.cardinality(), KEYS, n);
            }
            BitSet lost = (BitSet) previous.clone();
            lost.andNot(fast);
            assertTrue(lost.isEmpty(), "raising to " + n + "% moved keys from fast back to original: " + lost);
            previous = fast;
        }
    }

    @Test
    void statefulCanarySupportsDecimals() {
        Point p = points.declare("test.routing", Component.ROUTING, Kind.STATEFUL, Flag.canary(0.5));
        int fast = 0;
        int n = 400_000;
        for (int k = 0; k < n; k++) {
            if (Point.isFast(p.decide(k * 31 + 7))) {
                fast++;
            }
        }
        assertProportion(fast, n, 0.5);
    }

    @Test
    void statefulSelectionIsTheSameForTheSameKeyAcrossInstancesOfTheSamePoint() {
        Point a = points.declare("test.connection-pool", Component.CONNECTION_POOL, Kind.STATEFUL, Flag.canary(50));
        Points other = new Points(null, new ManualClock(), new RecordingWarnings());
        Point b = other.declare("test.connection-pool", Component.CONNECTION_POOL, Kind.STATEFUL, Flag.canary(50));
        for (int k = 0; k < 1000; k++) {
            assertEquals(a.selectsKey(k), b.selectsKey(k));
        }
    }

    @Test
    void shadowIsRefusedOnStatefulPoints() {
        Point p = points.declare("test.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF);
        assertThrows(IllegalArgumentException.class, () -> p.setFlag(Flag.shadow(5), "test"));
        assertThrows(IllegalArgumentException.class,
                () -> points.declare("x.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.shadow(1)));
    }

    @Test
    void latencySamplingFollowsItsRate() {
        Points none = new Points(Settings.load("metrics.latency-sample=0", null, null, new RecordingWarnings()),
                new ManualClock(), new RecordingWarnings());
        Points all = new Points(Settings.load("metrics.latency-sample=100", null, null, new RecordingWarnings()),
                new ManualClock(), new RecordingWarnings());
        Point p0 = none.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        Point p100 = all.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        Point p1 = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        int n = 200_000;
        int timed = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(!Point.isTimed(p0.decide()));
            assertTrue(Point.isTimed(p100.decide()));
            if (Point.isTimed(p1.decide())) {
                timed++;
            }
        }
        assertProportion(timed, n, 1.0);
    }

    @Test
    void declarationIsOnceAndChecked() {
        RecordingWarnings w = new RecordingWarnings();
        Points reg = new Points(null, new ManualClock(), w);
        Point a = reg.declare("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        assertTrue(a == reg.declare("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF));
        assertTrue(w.messages.isEmpty());
        assertTrue(a == reg.declare("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.ON));
        assertEquals(1, w.messages.size());
        assertThrows(IllegalArgumentException.class, () -> reg.declare("gateway.routing", Component.TOKENS, Kind.PURE, Flag.OFF));
        assertThrows(IllegalArgumentException.class, () -> reg.declare("gateway", Component.TOKENS, Kind.PURE, Flag.OFF));
        assertTrue(a == reg.get("gateway.tokens"));
        assertEquals(1, reg.all().size());
    }

    @Test
    void configureReappliesSettingsToDeclaredPoints() {
        RecordingWarnings w = new RecordingWarnings();
        Points reg = new Points(null, new ManualClock(), w);
        Point p = reg.declare("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        assertEquals(Flag.OFF, p.flag());
        reg.configure(Settings.load("tokens=canary:20,breaker.failures=4", null, null, w));
        assertEquals(Flag.canary(20), p.flag());
        assertEquals("agent argument tokens", p.flagSource());
        assertEquals(4, p.breaker().config().failures());
        Point later = reg.declare("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        assertEquals(Flag.canary(20), later.flag());
    }
}
