package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Choice#uniform}: the multiply-and-reject draw that replaces {@code nextLong(bound)} for unseeded
 * weighted picks. Checked against exact arithmetic on chosen 64-bit inputs: the result is the high half of
 * the unsigned product, and exactly the inputs whose low half falls below {@code 2^64 mod bound} are redrawn.
 * (The twin's unseeded weighted choices against the original's by chi-square are in RouterDistributionTest.)
 */
class UniformDrawTest {

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /** Hands out the given numbers in order and counts how many were drawn. */
    private static final class Scripted implements RandomGenerator {
        private final long[] values;
        int drawn;

        Scripted(long... values) {
            this.values = values;
        }

        @Override
        public long nextLong() {
            return values[drawn++];
        }
    }

    private static BigInteger unsigned(long x) {
        return new BigInteger(Long.toUnsignedString(x));
    }

    /** floor(x * bound / 2^64), x unsigned. */
    private static long expected(long x, long bound) {
        return unsigned(x).multiply(BigInteger.valueOf(bound)).shiftRight(64).longValueExact();
    }

    /** 2^64 mod bound: the low halves below it are the ones redrawn. */
    private static long rejectBelow(long bound) {
        return TWO_64.mod(BigInteger.valueOf(bound)).longValueExact();
    }

    /** The x whose low half x * bound (mod 2^64) equals {@code low}; bound odd. */
    private static long withLowHalf(long low, long bound) {
        BigInteger inverse = BigInteger.valueOf(bound).modInverse(TWO_64);
        return unsigned(low).multiply(inverse).mod(TWO_64).longValue();
    }

    private static final long[] BOUNDS = {1, 2, 3, 10, 7_919, (1L << 31) + 1, (1L << 62) + 1, Long.MAX_VALUE - 2,
            Long.MAX_VALUE};

    /** Inputs at the edges of the signed and unsigned ranges, drawn first for every bound. */
    private static final long[] EDGES = {-1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40};

    @Test
    void theResultIsTheHighHalfOfTheUnsignedProduct() {
        SplittableRandom inputs = new SplittableRandom(20261203L);
        for (long bound : BOUNDS) {
            long reject = rejectBelow(bound);
            for (int n = 0; n < 20_000; n++) {
                long x = n < EDGES.length ? EDGES[n] : inputs.nextLong();
                if (Long.compareUnsigned(x * bound, reject) < 0) {
                    continue; // redrawn: checked below
                }
                Scripted one = new Scripted(x);
                long r = Choice.uniform(one, bound);
                assertEquals(expected(x, bound), r, "x=" + Long.toUnsignedString(x) + " bound=" + bound);
                assertTrue(r >= 0 && r < bound);
                assertEquals(1, one.drawn);
            }
        }
    }

    @Test
    void exactlyTheLowHalvesBelowTwoToThe64ModBoundAreRedrawn() {
        for (long bound : BOUNDS) {
            if ((bound & 1) == 0) {
                continue; // the inverse below needs an odd bound; 2 and 10 leave no or few low halves to reject
            }
            long reject = rejectBelow(bound);
            long accepted = 12_345L; // any x whose low half is not rejected, to end a redraw
            while (Long.compareUnsigned(accepted * bound, reject) < 0) {
                accepted++;
            }
            if (reject > 0) {
                // low half just below the threshold: redrawn; the next draw is used
                Scripted s = new Scripted(withLowHalf(reject - 1, bound), accepted);
                assertEquals(expected(accepted, bound), Choice.uniform(s, bound), "bound=" + bound);
                assertEquals(2, s.drawn, "bound=" + bound);
                // low half 0: redrawn, twice in a row
                Scripted twice = new Scripted(0L, withLowHalf(0, bound), accepted);
                assertEquals(expected(accepted, bound), Choice.uniform(twice, bound));
                assertEquals(3, twice.drawn);
            }
            // low half exactly at the threshold: kept
            long atThreshold = withLowHalf(reject, bound);
            Scripted kept = new Scripted(atThreshold);
            assertEquals(expected(atThreshold, bound), Choice.uniform(kept, bound), "bound=" + bound);
            assertEquals(1, kept.drawn);
        }
    }

    @Test
    void everyResultHasTheSameNumberOfInputsForASmallBound() {
        // bound 3: 2^64 = 3 * 6148914691236517205 + 1, so one input (x = 0) is redrawn and every result keeps
        // 6148914691236517205 inputs: the results are [0, q), [q, 2q), [2q, 2^64) scaled, boundaries exact.
        long q = Long.divideUnsigned(-1L, 3); // floor((2^64 - 1) / 3) = 6148914691236517205
        long[] xs = {1, q, q + 1, 2 * q, 2 * q + 1, 3 * q, -1L};
        for (long x : xs) {
            assertEquals(expected(x, 3), Choice.uniform(new Scripted(x), 3), "x=" + Long.toUnsignedString(x));
        }
        assertEquals(1, rejectBelow(3));
        Scripted zero = new Scripted(0L, 7L);
        assertEquals(expected(7L, 3), Choice.uniform(zero, 3));
        assertEquals(2, zero.drawn);
    }
}
