package dev.fastllm.core.limits;

import dev.fastllm.core.limits.LimiterOps.Op;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The twin against the real gateway limiter on seeded random call sequences, one thread, every answer field
 * by field plus the tracked-key count after every call. A failure names its seed and a shrunk sequence;
 * replay one seed with {@code -Dlimits.seed=N}.
 */
class DifferentialTest {
    private static final int SEQUENCES = Integer.getInteger("limits.sequences", 400);

    @Test
    void everyAnswerEqualsTheOriginals() {
        Long only = Long.getLong("limits.seed");
        long first = only != null ? only : 1;
        long last = only != null ? only : SEQUENCES;
        for (long seed = first; seed <= last; seed++) {
            // most sequences over few keys (limits are met); some over many (the table grows and copies)
            int keys = seed % 5 == 0 ? 60 : 1 + (int) (seed % 4);
            List<Op> ops = LimiterOps.generate(seed, 300, keys);
            String miss = LimiterOps.firstMismatch(ops);
            if (miss != null) {
                List<Op> small = LimiterOps.shrink(ops);
                StringBuilder b = new StringBuilder("seed " + seed + ": " + miss + "\nshrunk to " + small.size()
                        + " calls (" + LimiterOps.firstMismatch(small) + "):\n");
                small.forEach(op -> b.append("  ").append(op).append('\n'));
                fail(b.toString());
            }
        }
    }

    @Test
    void windowEdgesAreExact() {
        long anchor = LimiterOps.T0 + 5;
        List<Op> ops = List.of(
                acquire("k", 1, anchor),
                acquire("k", 1, anchor + 59_999),  // refused, retry after 1 ms
                acquire("k", 1, anchor + 60_000),  // a new window
                acquire("k", 1, anchor + 119_999),
                acquire("k", 1, anchor + 120_000));
        assertNull(LimiterOps.firstMismatch(ops));
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        twin.tryAcquire("k", 1, Long.MAX_VALUE, Integer.MAX_VALUE, 0, anchor, d);
        twin.tryAcquire("k", 1, Long.MAX_VALUE, Integer.MAX_VALUE, 0, anchor + 59_999, d);
        assertEquals(RefusedBy.REQUESTS, d.refusedBy());
        assertEquals(1, d.retryAfterMillis());
        twin.tryAcquire("k", 1, Long.MAX_VALUE, Integer.MAX_VALUE, 0, anchor + 60_000, d);
        assertEquals(RefusedBy.NONE, d.refusedBy());
    }

    private static Op acquire(String key, long rpm, long now) {
        return new Op(LimiterOps.Kind.ACQUIRE, key, rpm, Long.MAX_VALUE, Integer.MAX_VALUE, 0, 0, 0, now);
    }
}
