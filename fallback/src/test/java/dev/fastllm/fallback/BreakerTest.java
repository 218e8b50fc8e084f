package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The breaker's state machine, driven by a manual clock through the point's public API. */
class BreakerTest {

    private final ManualClock clock = new ManualClock();
    private final RuntimeException boom = new IllegalStateException("boom");

    private Point point(String args) {
        Points reg = new Points(Settings.load(args, null, null, new RecordingWarnings()), clock, new RecordingWarnings());
        return reg.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    private void fail(Point p) {
        int d = p.decide();
        assertTrue(Point.isFast(d), "expected a fast decision");
        p.fastFailed(d, boom);
    }

    private void succeed(Point p) {
        int d = p.decide();
        assertTrue(Point.isFast(d), "expected a fast decision");
        p.fastAnswered(d, p.startTime(d));
    }

    @Test
    void opensOnTheTenthErrorWithinSixtySeconds() {
        Point p = point(null);
        for (int i = 0; i < 9; i++) {
            fail(p);
            clock.advance(6, TimeUnit.SECONDS);
        }
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        fail(p); // errors 1..10 span 54 s
        assertEquals(BreakerState.OPEN, p.breaker().state());
        assertEquals(1, p.breaker().transitionsTo(BreakerState.OPEN));
        assertEquals(Point.ORIGINAL, p.decide() & Point.PATH_MASK);
        assertEquals(10, p.errors());
        assertEquals(10, p.calls(Path.FALLBACK));
    }

    @Test
    void errorsSpreadWiderThanTheWindowDoNotOpen() {
        Point p = point(null);
        for (int i = 0; i < 100; i++) {
            fail(p);
            clock.advance(7, TimeUnit.SECONDS); // any 10 consecutive errors span 63 s
        }
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        assertEquals(0, p.breaker().transitionsTo(BreakerState.OPEN));
    }

    @Test
    void successesDoNotResetTheErrorWindow() {
        Point p = point("breaker.failures=3");
        fail(p);
        succeed(p);
        fail(p);
        succeed(p);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        fail(p);
        assertEquals(BreakerState.OPEN, p.breaker().state());
    }

    @Test
    void openHalfOpenClose() {
        Point p = point("breaker.failures=2,breaker.trials=3");
        fail(p);
        fail(p);
        assertEquals(BreakerState.OPEN, p.breaker().state());
        clock.advance(29, TimeUnit.SECONDS);
        assertTrue(Point.isOriginal(p.decide()));
        assertEquals(BreakerState.OPEN, p.breaker().state());
        clock.advance(1, TimeUnit.SECONDS);

        int[] trials = new int[3];
        for (int i = 0; i < 3; i++) {
            trials[i] = p.decide();
            assertTrue(Point.isFast(trials[i]));
            assertTrue((trials[i] & Point.TRIAL) != 0);
        }
        assertEquals(BreakerState.HALF_OPEN, p.breaker().state());
        assertTrue(Point.isOriginal(p.decide()), "only 3 trial calls are let through");

        p.fastAnswered(trials[0], 0);
        p.fastAnswered(trials[1], 0);
        assertEquals(BreakerState.HALF_OPEN, p.breaker().state());
        p.fastAnswered(trials[2], 0);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        assertEquals(1, p.breaker().transitionsTo(BreakerState.HALF_OPEN));
        assertEquals(1, p.breaker().transitionsTo(BreakerState.CLOSED));

        int d = p.decide();
        assertTrue(Point.isFast(d));
        assertEquals(0, d & Point.TRIAL);
        // the window starts afresh after closing
        fail(p);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void aTrialFailureReopens() {
        Point p = point("breaker.failures=1,breaker.trials=2");
        fail(p);
        assertEquals(BreakerState.OPEN, p.breaker().state());
        clock.advance(30, TimeUnit.SECONDS);
        int t1 = p.decide();
        int t2 = p.decide();
        p.fastAnswered(t1, 0);
        p.fastFailed(t2, boom);
        assertEquals(BreakerState.OPEN, p.breaker().state());
        assertEquals(2, p.breaker().transitionsTo(BreakerState.OPEN));
        assertTrue(Point.isOriginal(p.decide()));
        // and it recovers on the next round
        clock.advance(30, TimeUnit.SECONDS);
        succeed(p);
        succeed(p);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void aDeclinedTrialGivesItsPermitBack() {
        Point p = point("breaker.failures=1,breaker.trials=1");
        fail(p);
        clock.advance(30, TimeUnit.SECONDS);
        int t = p.decide();
        assertTrue((t & Point.TRIAL) != 0);
        assertTrue(Point.isOriginal(p.decide()));
        p.fastDeclined(t);
        assertEquals(BreakerState.HALF_OPEN, p.breaker().state());
        succeed(p);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void lostTrialsAreGrantedAgainAfterAnOpenPeriod() {
        Point p = point("breaker.failures=1,breaker.trials=1");
        fail(p);
        clock.advance(30, TimeUnit.SECONDS);
        assertTrue((p.decide() & Point.TRIAL) != 0); // never reported back
        assertTrue(Point.isOriginal(p.decide()));
        clock.advance(30, TimeUnit.SECONDS);
        succeed(p);
        assertEquals(BreakerState.CLOSED, p.breaker().state());
    }

    @Test
    void permanentModeStaysOffUntilReset() {
        Point p = point("breaker.failures=2,breaker.mode=permanent");
        fail(p);
        fail(p);
        assertEquals(BreakerState.DISABLED, p.breaker().state());
        clock.advance(365, TimeUnit.DAYS);
        for (int i = 0; i < 100; i++) {
            assertTrue(Point.isOriginal(p.decide()));
        }
        assertEquals(BreakerState.DISABLED, p.breaker().state());
        assertEquals(1, p.breaker().transitionsTo(BreakerState.DISABLED));
        p.breaker().reset();
        assertEquals(BreakerState.CLOSED, p.breaker().state());
        succeed(p);
    }

    @Test
    void aVirtualMachineErrorOpensAtOnce() {
        Point p = point(null);
        int d = p.decide();
        p.fastFailed(d, new StackOverflowError());
        assertEquals(BreakerState.OPEN, p.breaker().state());
    }

    @Test
    void openPathCountsOriginalCalls() {
        Point p = point("breaker.failures=1");
        fail(p);
        for (int i = 0; i < 5; i++) {
            p.decide();
        }
        assertEquals(5, p.calls(Path.ORIGINAL));
    }
}
