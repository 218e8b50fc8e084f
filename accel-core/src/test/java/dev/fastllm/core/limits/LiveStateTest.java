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

    /**
     * {@code evictIfIdle} drops one key exactly when {@code evictIdle} would: its window over at the reading
     * and no slot held. Once dropped, a call with an older reading, inside the ended window, finds nothing
     * live; a key in the wide form goes the same way, and a dropped key comes back as a fresh one.
     */
    @Test
    void evictIfIdleDropsOneIdleKeyForEveryReading() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        twin.tryAcquire("k", 5, MAX, 2, 10, T0, d);
        twin.tryAcquire("other", 5, MAX, 2, 10, T0, d);
        assertFalse(twin.evictIfIdle("k", T0 + 59_999), "the window still runs");
        assertFalse(twin.evictIfIdle("k", T0 + 60_000), "a slot is held");
        assertTrue(twin.release("k"));
        assertFalse(twin.evictIfIdle("k", T0 + 59_999), "the window still runs at that reading");
        assertFalse(twin.evictIfIdle("unseen", T0 + 60_000));
        assertEquals(2, twin.trackedKeys());
        assertTrue(twin.evictIfIdle("k", T0 + 60_000));
        assertFalse(twin.evictIfIdle("k", T0 + 60_000), "already dropped");
        assertEquals(1, twin.trackedKeys(), "only that key");
        assertNull(twin.tryAcquireIfLive("k", 5, MAX, 2, 10, T0 + 30_000, d), "nothing live at an older reading");
        assertNull(twin.peekIfLive("k", 5, MAX, 2, T0 + 30_000, d));
        assertNotNull(twin.peekIfLive("other", 5, MAX, 2, T0 + 30_000, d), "the other key keeps its window");
        twin.tryAcquire("k", 5, MAX, 2, 10, T0 + 61_000, d);
        assertTrue(d.allowed());
        assertEquals(4, d.remainingRequests(), "a fresh window");
        assertEquals(2, twin.trackedKeys());

        // a key whose tokens do not fit the compact word is kept wide, and is dropped alike
        twin.tryAcquire("wide", 5, MAX, 2, 5_000_000, T0, d);
        assertTrue(d.allowed());
        assertFalse(twin.evictIfIdle("wide", T0 + 60_000), "a slot is held");
        assertTrue(twin.release("wide"));
        assertTrue(twin.evictIfIdle("wide", T0 + 60_000));
        assertNull(twin.tryAcquireIfLive("wide", 5, MAX, 2, 10, T0 + 1, d));
        assertEquals(2, twin.trackedKeys());
    }

    /** Through a table's growth (keys copied to a bigger table while the drops go on), each drop is exact. */
    @Test
    void evictIfIdleFollowsKeysIntoAGrownTable() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter(16);
        LimitDecision d = new LimitDecision();
        for (int k = 0; k < 5_000; k++) {
            twin.tryAcquire("key-" + k, 5, MAX, 2, 10, T0, d);
            if (k % 2 == 0) {
                twin.release("key-" + k);
            }
            if (k % 7 == 0) {
                boolean idle = k % 2 == 0;
                assertEquals(idle, twin.evictIfIdle("key-" + k, T0 + 60_000), "key " + k);
            }
        }
        int dropped = 0;
        for (int k = 0; k < 5_000; k++) {
            boolean idle = k % 2 == 0 && k % 7 != 0;
            boolean got = twin.evictIfIdle("key-" + k, T0 + 60_000);
            assertEquals(idle, got, "key " + k);
            dropped += got ? 1 : 0;
        }
        assertEquals(2_500 - 5_000 / 14 - 1, dropped, "every idle key not dropped before");
        assertEquals(2_500, twin.trackedKeys(), "every key holding a slot stays");
    }
}
