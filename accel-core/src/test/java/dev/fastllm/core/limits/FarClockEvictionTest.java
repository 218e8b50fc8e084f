package dev.fastllm.core.limits;

import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.limits.RateLimitDecision;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evictIdle(Long.MAX_VALUE)}, "drop every idle key", then traffic on the usual clock. The eviction's
 * clean-up copy once moved the table's base to the eviction's reading: a window still holding a slot lost
 * its count (three requests admitted in a window of two), and every later window went to the wide path for
 * good, every reading then lying before the base.
 */
class FarClockEvictionTest {
    private static final long T = 1_000_000;
    private static final int KEYS = 40;

    private static String answer(RateLimitDecision d) {
        return d.allowed() + " " + d.rejectedBy() + " " + d.retryAfterMillis() + " " + d.remainingRequests() + " "
                + d.remainingTokens();
    }

    private static String answer(LimitDecision d) {
        return d.allowed() + " " + d.refusedBy() + " " + d.retryAfterMillis() + " " + d.remainingRequests() + " "
                + d.remainingTokens();
    }

    @Test
    void evictingWithTheLargestReadingForgetsNoLiveWindow() {
        KeyRateLimiter original = new KeyRateLimiter();
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        KeyLimits two = new KeyLimits(2, Long.MAX_VALUE, Integer.MAX_VALUE);
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) { // enough keys that the table grows, so the eviction shrinks it
            String key = "k" + k;
            original.tryAcquire(key, two, 0, T);
            original.release(key);
            twin.tryAcquire(key, 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, T, new LimitDecision());
            twin.release(key);
        }
        a.add(answer(original.tryAcquire("hot", two, 0, T)));
        b.add(answer(twin.tryAcquire("hot", 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, T, new LimitDecision())));
        a.add("evicted " + original.evictIdle(Long.MAX_VALUE));
        b.add("evicted " + twin.evictIdle(Long.MAX_VALUE));
        for (long at : new long[] {T + 1_000, T + 2_000, T + 61_000}) {
            a.add(answer(original.peek("hot", two, at)));
            b.add(answer(twin.peek("hot", 2, Long.MAX_VALUE, Integer.MAX_VALUE, at, new LimitDecision())));
            a.add(answer(original.tryAcquire("hot", two, 0, at)));
            b.add(answer(twin.tryAcquire("hot", 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, at, new LimitDecision())));
        }
        assertEquals(a, b);
        assertEquals(original.trackedKeys(), twin.trackedKeys());
    }

    @Test
    void newWindowsAfterSuchAnEvictionStayCompact() {
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        for (int k = 0; k < KEYS; k++) {
            twin.tryAcquire("k" + k, 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, T, d);
            twin.release("k" + k);
        }
        twin.tryAcquire("hot", 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, T, d);
        twin.evictIdle(Long.MAX_VALUE);
        for (int k = 0; k < 200; k++) {
            assertTrue(twin.tryAcquire("n" + k, 2, Long.MAX_VALUE, Integer.MAX_VALUE, 0, T + 5_000 + k, d).allowed());
        }
        WindowTable t = twin.current();
        int wide = 0;
        for (int k = 0; k < 200; k++) {
            int i = t.find("n" + k, ("n" + k).hashCode());
            if (i >= 0 && WindowWord.isWideRef(t.word(i))) {
                wide++;
            }
        }
        assertEquals(0, wide, "new windows kept on the wide path, table base " + t.base);
    }
}
