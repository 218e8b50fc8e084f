package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a caller sharing keys with another limiter relies on: {@code tryAcquireIfLive} acts only on a key with
 * live state (window not over, or a slot held) and then exactly as {@code tryAcquire}; {@code release} and
 * {@code reconcile} say whether this limiter held what they touched.
 */
class LiveStateTest {
    private static final long T0 = 1_000_000;
    private static final long MAX = Long.MAX_VALUE;

    @Test
    void anUnseenKeyIsLeftUntouched() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        assertNull(twin.tryAcquireIfLive("k", 5, MAX, 2, 10, T0, new LimitDecision()));
        assertNull(twin.peekIfLive("k", 5, MAX, 2, T0, new LimitDecision()));
        assertEquals(0, twin.trackedKeys());
        assertFalse(twin.release("k"));
        assertFalse(twin.reconcile("k", 10, 5, T0, T0));
    }

    @Test
    void liveWhileTheWindowRunsOrASlotIsHeld() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        twin.tryAcquire("k", 5, MAX, 2, 10, T0, d);
        assertTrue(d.allowed());
        // window running, slot held
        assertSame(d, twin.peekIfLive("k", 5, MAX, 2, T0 + 59_999, d));
        assertEquals(4, d.remainingRequests());
        assertSame(d, twin.tryAcquireIfLive("k", 5, MAX, 2, 10, T0 + 59_999, d));
        assertEquals(3, d.remainingRequests());
        assertTrue(twin.release("k"));
        // window over, one slot still held: live, and the call opens a new window
        assertNotNull(twin.tryAcquireIfLive("k", 5, MAX, 2, 10, T0 + 60_000, d));
        assertTrue(d.allowed());
        assertEquals(4, d.remainingRequests());
        assertTrue(twin.release("k"));
        assertTrue(twin.release("k"));
        assertFalse(twin.release("k"), "no slot left to free");
        // the second window is over and no slot is held: idle
        assertNull(twin.peekIfLive("k", 5, MAX, 2, T0 + 120_000, d));
        assertNull(twin.tryAcquireIfLive("k", 5, MAX, 2, 10, T0 + 120_000, d));
        assertEquals(1, twin.trackedKeys());
    }

    @Test
    void reconcileSaysWhetherTheWindowIsCurrent() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        twin.tryAcquire("k", MAX, 100, 5, 60, T0, d);
        assertTrue(twin.reconcile("k", 60, 20, T0, T0 + 10));
        assertTrue(twin.reconcile("k", 0, 0, T0, T0 + 20), "current even when nothing changes");
        twin.peek("k", MAX, 100, 5, T0 + 30, d);
        assertEquals(80, d.remainingTokens());
        assertFalse(twin.reconcile("k", 60, 20, T0, T0 + 60_000), "the window is over");
    }

    /** On random sequences, an IfLive call acts exactly when a model of liveness says so, and then as tryAcquire. */
    @Test
    void ifLiveMatchesTryAcquireWheneverTheKeyIsLive() {
        SplittableRandom r = new SplittableRandom(7);
        LockFreeKeyRateLimiter a = new LockFreeKeyRateLimiter();
        LockFreeKeyRateLimiter b = new LockFreeKeyRateLimiter();
        LimitDecision da = new LimitDecision();
        LimitDecision db = new LimitDecision();
        long[] start = new long[4];
        int[] held = new int[4];
        long now = T0;
        int acted = 0;
        for (int step = 0; step < 20_000; step++) {
            now += r.nextInt(3_000);
            int k = r.nextInt(4);
            String key = "key-" + k;
            if (r.nextInt(3) == 0) {
                boolean freed = a.release(key);
                assertEquals(held[k] > 0, freed, "step " + step);
                assertEquals(freed, b.release(key));
                held[k] -= freed ? 1 : 0;
                continue;
            }
            long reserve = r.nextInt(200);
            boolean live = held[k] > 0 || (start[k] != 0 && now - start[k] < LockFreeKeyRateLimiter.WINDOW_MILLIS);
            LimitDecision got = b.tryAcquireIfLive(key, 3, 500, 2, reserve, now, db);
            assertEquals(live, got != null, "step " + step);
            if (got == null) {
                b.tryAcquire(key, 3, 500, 2, reserve, now, db);
            } else {
                acted++;
            }
            a.tryAcquire(key, 3, 500, 2, reserve, now, da);
            assertEquals(da.allowed(), db.allowed(), "step " + step);
            assertEquals(da.refusedBy(), db.refusedBy());
            assertEquals(da.retryAfterMillis(), db.retryAfterMillis());
            assertEquals(da.remainingRequests(), db.remainingRequests());
            assertEquals(da.remainingTokens(), db.remainingTokens());
            if (start[k] == 0 || now - start[k] >= LockFreeKeyRateLimiter.WINDOW_MILLIS) {
                start[k] = now;
            }
            held[k] += da.allowed() ? 1 : 0;
        }
        assertTrue(acted > 1_000, "the sequence exercises live keys: " + acted);
    }
}
