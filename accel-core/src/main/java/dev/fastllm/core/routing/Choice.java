package dev.fastllm.core.routing;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The four strategies, each choosing among a set of candidate deployments given as a bit mask (bit i:
 * deployment i is not cooling down and has capacity). Candidates are visited in index order and random
 * draws are made with the same bounds, in the same order, as the gateway's router makes them, so that with
 * the same seeded generator in one thread both choose the same deployment every time. A null
 * {@link MinuteUsage} {@code seen} stands for a minute not started yet; {@code u} is the group's latest
 * minute, which holds the in-flight counts under least-busy.
 */
final class Choice {
    static final int SIMPLE_SHUFFLE = 0;
    static final int LEAST_BUSY = 1;
    static final int LATENCY = 2;
    static final int USAGE = 3;

    private Choice() {
    }

    /** @return the chosen deployment, or -1 when least-busy found {@code u}'s counts moved to a newer minute */
    static int choose(int strategy, Group g, MinuteUsage u, MinuteUsage seen, long candidates) {
        switch (strategy) {
            case SIMPLE_SHUFFLE:
                return weighted(g, candidates);
            case LEAST_BUSY:
                return leastBusy(g, u, candidates);
            case LATENCY:
                return lowestLatency(g, candidates);
            default:
                return lowestUsage(g, seen, candidates);
        }
    }

    private static int weighted(Group g, long candidates) {
        long total = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            total += g.weights[Long.numberOfTrailingZeros(m)];
        }
        if (total <= 0) {
            return nth(candidates, drawInt(g, Long.bitCount(candidates)));
        }
        long r = drawLong(g, total);
        int last = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            last = Long.numberOfTrailingZeros(m);
            r -= g.weights[last];
            if (r < 0) {
                return last;
            }
        }
        return last;
    }

    private static int leastBusy(Group g, MinuteUsage u, long candidates) {
        long best = Long.MAX_VALUE;
        long ties = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            long load = u.flights(i);
            if (MinuteUsage.moved(load)) {
                return -1;
            }
            load = Math.max(0, load); // below zero for a moment while a new minute's counts move in
            if (load < best) {
                best = load;
                ties = 0;
            }
            if (load == best) {
                ties |= 1L << i;
            }
        }
        return nth(ties, drawInt(g, Long.bitCount(ties)));
    }

    private static int lowestUsage(Group g, MinuteUsage u, long candidates) {
        long best = Long.MAX_VALUE;
        long ties = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            long used = MinuteUsage.tokens(u, i);
            if (used < best) {
                best = used;
                ties = 0;
            }
            if (used == best) {
                ties |= 1L << i;
            }
        }
        return nth(ties, drawInt(g, Long.bitCount(ties)));
    }

    private static int lowestLatency(Group g, long candidates) {
        double lowest = Double.MAX_VALUE;
        for (long m = candidates; m != 0; m &= m - 1) {
            double average = g.averageLatency(Long.numberOfTrailingZeros(m));
            if (average < lowest) { // Math.min's answer: averages are never NaN nor -0.0
                lowest = average;
            }
        }
        double threshold = lowest * (1 + FastRouter.LATENCY_BUFFER);
        long within = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            if (g.averageLatency(i) <= threshold) {
                within |= 1L << i;
            }
        }
        if (within == 0) {
            within = candidates; // an average moved between the two passes (concurrent ends): any candidate
        }
        return nth(within, drawInt(g, Long.bitCount(within)));
    }

    /** Index of the {@code k}-th set bit of {@code mask}, counting from 0 at the lowest. */
    static int nth(long mask, int k) {
        for (int j = 0; j < k; j++) {
            mask &= mask - 1;
        }
        return Long.numberOfTrailingZeros(mask);
    }

    private static int drawInt(Group g, int bound) {
        if (g.seeded != null) {
            return g.seeded.nextInt(bound);
        }
        return bound == 1 ? 0 : ThreadLocalRandom.current().nextInt(bound);
    }

    private static long drawLong(Group g, long bound) {
        if (g.seeded != null) {
            return g.seeded.nextLong(bound);
        }
        return uniform(ThreadLocalRandom.current(), bound);
    }

    /**
     * A uniform draw in {@code [0, bound)}, {@code bound > 0}, without the division that
     * {@code nextLong(bound)} makes on every draw whose bound is not a power of two: the high half of a
     * random 64-bit number times {@code bound}, redrawn while the low half falls below {@code 2^64 mod bound},
     * which leaves every result exactly {@code floor(2^64 / bound)} numbers (the multiply-and-reject method).
     * The division that finds {@code 2^64 mod bound} runs only when the low half is below {@code bound}.
     */
    static long uniform(RandomGenerator random, long bound) {
        long x = random.nextLong();
        long low = x * bound;
        if (Long.compareUnsigned(low, bound) < 0) {
            long rejectBelow = Long.remainderUnsigned(-bound, bound);
            while (Long.compareUnsigned(low, rejectBelow) < 0) {
                x = random.nextLong();
                low = x * bound;
            }
        }
        return Math.multiplyHigh(x, bound) + ((x >> 63) & bound); // the unsigned product's high half
    }
}
