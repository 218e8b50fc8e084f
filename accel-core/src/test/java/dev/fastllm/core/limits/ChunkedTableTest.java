package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A table larger than one chunk of slots (2^15) reaches its first chunk directly and the others through the
 * chunk arrays: every key in every chunk must still have a window of its own. With {@code rpm} 1 and one
 * parallel slot, a key that shared a word with another would see that key's request and slot, so its own
 * first request would be refused; this checks every key's first request is admitted, its second refused
 * for its own request, and each release frees exactly the key's own slot.
 */
class ChunkedTableTest {
    private static final long T0 = 5_000_000L;
    private static final int KEYS = 200_000; // grows the table to 2^19 slots: sixteen chunks
    private static final long MAX = Long.MAX_VALUE;

    @Test
    void everyKeyInEveryChunkHasAWindowOfItsOwn() {
        LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        String[] keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "chunk-key-" + i;
            limiter.tryAcquire(keys[i], 1, MAX, 1, 7, T0, d);
            assertTrue(d.allowed(), keys[i] + " refused its first request: " + d.refusedBy());
        }
        assertEquals(KEYS, limiter.trackedKeys());
        for (String key : keys) {
            limiter.tryAcquire(key, 1, MAX, 1, 7, T0 + 1, d);
            assertEquals(RefusedBy.REQUESTS, d.refusedBy(), key);
            limiter.peek(key, 2, MAX, 1, T0 + 1, d);
            assertEquals(RefusedBy.PARALLEL, d.refusedBy(), key + ": its slot is held");
            assertEquals(MAX - 7, d.remainingTokens(), key + ": its own tokens only");
        }
        for (String key : keys) {
            assertTrue(limiter.release(key), key);
            assertFalse(limiter.release(key), key + ": released twice");
        }
        for (String key : keys) {
            limiter.peek(key, 2, MAX, 1, T0 + 2, d);
            assertTrue(d.allowed(), key + ": " + d.refusedBy());
        }
    }
}
