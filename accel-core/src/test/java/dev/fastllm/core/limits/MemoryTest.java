package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million keys fit where the design puts them (2^21 slots of a 4-byte key reference and an 8-byte word:
 * 25.2 bytes a key), and evicting them gives the memory back. The bytes-per-key figure itself, beside the
 * original's and Bucket4j's, is measured in the bench module.
 */
class MemoryTest {
    private static final long T0 = 3_000_000L;
    private static final int KEYS = 1_000_000;

    @Test
    void aMillionKeysFitInTheirSlotsAndEvictionGivesTheMemoryBack() {
        String[] keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = "key-" + i;
        }
        long empty = usedHeapAfterGc();
        LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        for (String key : keys) {
            assertTrue(limiter.tryAcquire(key, 100, 100_000, 10, 300, T0, d).allowed());
            limiter.release(key);
        }
        assertEquals(KEYS, limiter.trackedKeys());
        long full = usedHeapAfterGc();
        double perKey = (double) (full - empty) / KEYS;
        // design: 2^21 * 12 B / 1e6 = 25.2 B; allow 1.5 MB of collector noise on top
        assertTrue(perKey <= 25.2 + 1.5, "retained " + perKey + " bytes a key");
        assertTrue(perKey >= 20, "retained " + perKey + " bytes a key: the measurement did not see the table");

        assertEquals(KEYS, limiter.evictIdle(T0 + 60_000));
        assertEquals(0, limiter.trackedKeys());
        long evicted = usedHeapAfterGc();
        assertTrue(evicted - empty < 1 << 20, "after eviction still " + (evicted - empty) + " bytes held");
        // the limiter still works after shrinking
        assertTrue(limiter.tryAcquire(keys[0], 1, 100_000, 10, 300, T0 + 60_000, d).allowed());
        assertEquals(RefusedBy.REQUESTS, limiter.tryAcquire(keys[0], 1, 100_000, 10, 300, T0 + 60_001, d).refusedBy());
        Reference.reachabilityFence(keys);
        Reference.reachabilityFence(limiter);
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
