package dev.fastllm.bench.e2e;

import java.util.Arrays;

/** Nearest-rank percentiles of recorded values: exact, no histogram buckets (a run records at most a few 100 000). */
public final class Percentiles {

    private final long[] sorted;

    /** Copies and sorts the first {@code count} values. */
    public Percentiles(long[] values, int count) {
        this.sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
    }

    public int count() {
        return sorted.length;
    }

    /** The smallest value with at least {@code q} percent of the values at or below it; NaN when nothing was recorded. */
    public double at(double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length / 100.0 - 1e-9); // 99.9 % of 1 000 is rank 999, not 1 000
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
