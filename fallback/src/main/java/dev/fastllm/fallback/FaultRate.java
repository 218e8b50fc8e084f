package dev.fastllm.fallback;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A point's injected-fault rate ({@code FAST_LLM_FAULTS}): the fraction of fast calls made to throw
 * {@link InjectedFault}, so that operators and tests can watch the fallback work. The rate is kept as a
 * threshold in units of 2^-32; without faults (the normal case) a check is one volatile read and a branch.
 * A layer of {@code Point} (see {@link Outcomes}), so that the check reads a field of the point itself.
 */
abstract class FaultRate extends Rollout {

    private final String pointName;
    /** Threshold in units of 2^-32 of the fast calls; 0 = none. */
    private volatile long threshold;
    private volatile double rate;

    FaultRate(String pointName, Kind kind, NanoClock clock, Breaker breaker) {
        super(pointName, kind, clock, breaker);
        this.pointName = pointName;
    }

    /** Throws {@link InjectedFault} at the current rate, else returns. */
    final void throwAtRate() {
        long f = threshold;
        if (f != 0 && (ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFFL) < f) {
            throw new InjectedFault(pointName);
        }
    }

    /** Sets the rate; values outside 0 to 1 are clamped. */
    final void applyFaultRate(double newRate) {
        double r = newRate > 0 ? Math.min(newRate, 1) : 0;
        rate = r;
        threshold = Rollout.share(r * 100);
    }

    final double currentFaultRate() {
        return rate;
    }
}
