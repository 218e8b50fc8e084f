package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How full the table gets: a table of up to {@link WindowTable#ROOMY_CAPACITY} slots grows once more than
 * half its slots carry a key, a larger one once more than three quarters do. Small tables trade a few
 * hundred kilobytes for shorter probes; a million keys still fit in 2^21 slots (the memory target).
 */
class TableLoadTest {
    private static final long T0 = 7_000_000L;

    @Test
    void smallTablesStayAtMostHalfFull() {
        for (int keys : new int[] {10, 100, 1_000, 10_000, 16_384, 16_385, 20_000}) {
            WindowTable t = fill(keys).finishCopy();
            assertEquals(keys, t.claimed(), keys + " keys");
            if (t.capacity() <= WindowTable.ROOMY_CAPACITY) {
                assertTrue(t.claimed() * 2 <= t.capacity(), keys + " keys in " + t.capacity() + " slots");
            } else {
                assertTrue(t.claimed() * 4 <= t.capacity() * 3, keys + " keys in " + t.capacity() + " slots");
            }
        }
        assertEquals(32_768, fill(10_000).finishCopy().capacity(), "10 000 keys");
        assertEquals(65_536, fill(20_000).finishCopy().capacity(), "20 000 keys");
    }

    @Test
    void largeTablesFillToThreeQuarters() {
        WindowTable t = fill(49_152).finishCopy();
        assertEquals(65_536, t.capacity(), "49 152 keys: three quarters of 2^16 slots, no growth yet");
        assertEquals(131_072, fill(49_153).finishCopy().capacity(), "one key more");
    }

    private static LockFreeKeyRateLimiter fill(int keys) {
        LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        for (int i = 0; i < keys; i++) {
            assertTrue(limiter.tryAcquire("load-" + i, 10, 10_000, 5, 1, T0, d).allowed());
        }
        return limiter;
    }
}
