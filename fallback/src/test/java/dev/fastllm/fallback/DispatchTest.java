package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dispatch: the fast path answers, declines or throws; the original always covers; shadow compares. */
class DispatchTest {

    private final ManualClock clock = new ManualClock();
    private final Points points = new Points(Settings.load("metrics.latency-sample=100", null, null,
            new RecordingWarnings()), clock, new RecordingWarnings());

    private Point point(Flag flag) {
        return points.declare("test.tokens", Component.TOKENS, Kind.PURE, flag);
    }

    private static String original(String s) {
        return "original:" + s;
    }

    private static String fastCopy(String s) {
        return "original:" + s;
    }

    @Test
    void fastAnswers() {
        Point p = point(Flag.ON);
        assertEquals("original:a", p.call("a", DispatchTest::fastCopy, DispatchTest::original));
        assertEquals(1, p.calls(Path.FAST));
        assertEquals(0, p.calls(Path.ORIGINAL));
        assertEquals(0, p.calls(Path.FALLBACK));
    }

    @Test
    void offRunsTheOriginalOnly() {
        Point p = point(Flag.OFF);
        Function<String, String> fast = s -> {
            throw new AssertionError("fast path must not run");
        };
        assertEquals("original:a", p.call("a", fast, DispatchTest::original));
        assertEquals(0, p.calls(Path.FAST) + p.calls(Path.FALLBACK) + p.errors());
    }

    @Test
    void declineFallsBackOnTheSameCall() {
        Point p = point(Flag.ON);
        assertEquals("original:a", p.call("a", s -> null, DispatchTest::original));
        assertEquals(1, p.calls(Path.FALLBACK));
        assertEquals(1, p.declines());
        assertEquals(0, p.errors());
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void exceptionsFallBackAndFeedTheBreaker() {
        Point p = point(Flag.ON);
        for (int i = 0; i < 9; i++) {
            assertEquals("original:" + i, p.call(String.valueOf(i), s -> {
                throw new IllegalStateException("fast path bug");
            }, DispatchTest::original));
        }
        assertEquals(9, p.errors());
        assertEquals(9, p.calls(Path.FALLBACK));
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        p.call("x", s -> {
            throw new UnsupportedOperationException();
        }, DispatchTest::original);
        assertEquals(BreakerState.OPEN, p.breaker().state());
        Function<String, String> fast = s -> {
            throw new AssertionError("breaker is open: fast path must not run");
        };
        assertEquals("original:y", p.call("y", fast, DispatchTest::original));
        assertEquals(1, p.calls(Path.ORIGINAL));
    }

    @Test
    void errorsFallBackToo() {
        Point p = point(Flag.ON);
        assertEquals("original:a", p.call("a", s -> {
            throw new AssertionError("an Error from the fast path");
        }, DispatchTest::original));
        assertEquals("original:b", p.call("b", s -> {
            throw new NoClassDefFoundError("missing");
        }, DispatchTest::original));
        assertEquals(2, p.errors());
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void virtualMachineErrorsFallBackAndOpenTheBreaker() {
        Point p = point(Flag.ON);
        assertEquals("original:a", p.call("a", s -> {
            throw new OutOfMemoryError("simulated");
        }, DispatchTest::original));
        assertEquals(BreakerState.OPEN, p.breaker().state());
        p.breaker().reset();
        assertEquals("original:b", p.call("b", DispatchTest::recurseForever, DispatchTest::original));
        assertEquals(BreakerState.OPEN, p.breaker().state());
        assertEquals(2, p.errors());
    }

    private static String recurseForever(String s) {
        return recurseForever(s + "") + "!";
    }

    @Test
    void exceptionsOfTheOriginalPropagateUnchanged() {
        Point p = point(Flag.ON);
        IllegalArgumentException bad = new IllegalArgumentException("bad input");
        Function<String, String> original = s -> {
            throw bad;
        };
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> p.call("a", s -> null, original)));
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> p.call("a", s -> {
            throw new IllegalStateException();
        }, original)));
    }

    @Test
    void shadowReturnsTheOriginalAndCountsMismatches() {
        Point p = point(Flag.shadow(100));
        assertEquals("original:a", p.call("a", s -> "original:" + s, DispatchTest::original));
        assertEquals("original:b", p.call("b", s -> "fast:" + s, DispatchTest::original));
        assertEquals("original:c", p.call("c", s -> "FAST:" + s, DispatchTest::original));
        assertEquals(3, p.calls(Path.SHADOW));
        assertEquals(2, p.shadowMismatches());
        assertEquals(0, p.calls(Path.FAST));
        // a comparator for the result type
        assertEquals("original:d", p.call(0, "d", s -> "ORIGINAL:D", DispatchTest::original, String::equalsIgnoreCase));
        assertEquals(2, p.shadowMismatches());
    }

    @Test
    void aFailingShadowNeverReachesTheCaller() {
        Point p = point(Flag.shadow(100));
        assertEquals("original:a", p.call("a", s -> {
            throw new IllegalStateException("shadow bug");
        }, DispatchTest::original));
        assertEquals("original:b", p.call("b", s -> null, DispatchTest::original));
        assertEquals("original:c", p.call(0, "c", s -> "x", DispatchTest::original, (a, b) -> {
            throw new IllegalStateException("comparator bug");
        }));
        assertEquals(1, p.errors());
        assertEquals(1, p.declines());
        assertEquals(1, p.shadowMismatches());
        assertEquals(3, p.calls(Path.SHADOW));
    }

    @Test
    void aShadowTrialWhoseOriginalThrowsGivesItsPermitBack() {
        Points reg = new Points(Settings.load("breaker.failures=1,breaker.trials=1", null, null,
                new RecordingWarnings()), clock, new RecordingWarnings());
        Point p = reg.declare("trial.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(100));
        p.call("a", s -> {
            throw new IllegalStateException("shadow bug");
        }, DispatchTest::original);
        assertEquals(BreakerState.OPEN, p.breaker().state());
        clock.advance(30, TimeUnit.SECONDS);
        IllegalArgumentException bad = new IllegalArgumentException("bad input");
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> p.call("b", s -> "x", s -> {
            throw bad;
        })));
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> p.callInt("b", s -> 1, s -> {
            throw bad;
        })));
        // the trial proved nothing either way: the next call is a trial again and closes the breaker
        assertEquals("original:c", p.call("c", DispatchTest::fastCopy, DispatchTest::original));
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        assertEquals(0, p.shadowMismatches());
    }

    @Test
    void intFormWithoutBoxing() {
        Point p = point(Flag.ON);
        assertEquals(5, p.callInt("hello", String::length, s -> -1));
        assertEquals(-1, p.callInt("hello", s -> Point.DECLINE_INT, s -> -1));
        assertEquals(-1, p.callInt("hello", s -> {
            throw new ArithmeticException();
        }, s -> -1));
        assertEquals(1, p.calls(Path.FAST));
        assertEquals(2, p.calls(Path.FALLBACK));
        Point s = points.declare("shadow.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(100));
        assertEquals(5, s.callInt("hello", String::length, x -> 5));
        assertEquals(5, s.callInt("hello", x -> 4, x -> 5));
        assertEquals(1, s.shadowMismatches());
    }

    @Test
    void statefulFunctionalFormSelectsByKey() {
        Point p = points.declare("test.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.canary(50));
        for (int k = 0; k < 200; k++) {
            String answer = p.call(k, "x", s -> "fast", s -> "original");
            assertEquals(p.selectsKey(k) ? "fast" : "original", answer);
        }
    }

    @Test
    void explicitFormAsAdviceUsesIt() {
        Point p = point(Flag.ON);
        // enter advice: decide, try the fast twin, skip the body on an answer
        int d = p.decide();
        assertTrue(Point.isFast(d));
        assertTrue(Point.isTimed(d));
        long t0 = p.startTime(d);
        clock.advance(100, java.util.concurrent.TimeUnit.NANOSECONDS);
        p.fastAnswered(d, t0);
        // a declined call: the body runs, the exit advice records its latency as fallback
        d = p.decide();
        t0 = p.startTime(d);
        p.fastDeclined(d);
        p.originalDone(d, t0);
        // a shadow call by hand
        Point s = points.declare("shadow.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(100));
        int sd = s.decide();
        assertTrue(Point.isShadow(sd));
        s.shadowCompared(sd, false);
        assertEquals(1, p.calls(Path.FAST));
        assertEquals(1, p.calls(Path.FALLBACK));
        assertEquals(1, s.shadowMismatches());
    }

    @Test
    void latencyIsRecordedPerPathWhenSampled() {
        Point p = point(Flag.ON);
        long[] recorded = new long[Path.values().length];
        p.setLatencySink((path, nanos) -> recorded[path.ordinal()] += nanos);
        p.call("a", s -> {
            clock.advance(40, java.util.concurrent.TimeUnit.NANOSECONDS);
            return "fast";
        }, DispatchTest::original);
        p.call("a", s -> null, s -> {
            clock.advance(70, java.util.concurrent.TimeUnit.NANOSECONDS);
            return "o";
        });
        assertEquals(40, recorded[Path.FAST.ordinal()]);
        assertEquals(70, recorded[Path.FALLBACK.ordinal()]);
    }

    @Test
    void injectedFaultsThrowAtTheirRateAndTheOriginalAnswers() {
        Point p = point(Flag.ON);
        p.injectFault(); // rate 0: never throws
        p.setFaultRate(1);
        assertEquals(1.0, p.faultRate());
        assertTrue(p.statusLine().contains("faults injected at rate 1"), p.statusLine());
        assertEquals("original:a", p.call("a", s -> {
            p.injectFault();
            return "never";
        }, DispatchTest::original));
        assertEquals(1, p.errors());
        assertEquals(1, p.calls(Path.FALLBACK));
        p.setFaultRate(0.5);
        int thrown = 0;
        for (int i = 0; i < 10_000; i++) {
            try {
                p.injectFault();
            } catch (InjectedFault expected) {
                thrown++;
            }
        }
        assertTrue(thrown > 4_500 && thrown < 5_500, "about half: " + thrown);
        p.setFaultRate(0);
        assertFalse(p.statusLine().contains("faults"), p.statusLine());
    }

    @Test
    void faultsComeFromTheSettings() {
        Points ps = new Points(Settings.load("faults=test.tokens:1", null, null, new RecordingWarnings()), clock,
                new RecordingWarnings());
        Point p = ps.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        assertEquals(1.0, p.faultRate());
        assertThrows(InjectedFault.class, p::injectFault);
    }
}
