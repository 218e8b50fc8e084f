package dev.fastllm.fallback;

import java.util.concurrent.atomic.LongAdder;

/**
 * What happened to a point's calls: the counters by path, errors, declines and shadow mismatches, the
 * breaker's feedback (errors, trial results) and the sampled latencies. The decision ({@link Rollout})
 * reports the calls it routes to the original or to shadow; the caller of a fast or shadow decision reports
 * its outcome through {@link Point}, which forwards here.
 *
 * <p>Every report is a {@link LongAdder} increment plus, only for decisions carrying {@link Point#TIMED} or
 * {@link Point#TRIAL}, a clock read or a breaker update: no lock, no allocation (LongAdder cells aside, once
 * per contended thread). Reports about a failure never throw to the caller.
 *
 * <p>The base of {@code Point}'s layers ({@code Point extends FaultRate extends Rollout extends Outcomes}):
 * each layer is one job, and all their fields live in the one object a bridge holds, so no report pays a
 * load to reach a helper object first. Members are package-private and named apart from {@code Point}'s.
 */
abstract class Outcomes {

    final NanoClock clock;
    final Breaker breaker;
    private volatile LatencySink latency = LatencySink.NONE;

    private final LongAdder originalCalls = new LongAdder();
    private final LongAdder fastCalls = new LongAdder();
    private final LongAdder fallbackCalls = new LongAdder();
    private final LongAdder shadowCalls = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder declines = new LongAdder();
    private final LongAdder mismatches = new LongAdder();

    Outcomes(NanoClock clock, Breaker breaker) {
        this.clock = clock;
        this.breaker = breaker;
    }

    // ------------------------------------------------------------------ routed by the decision

    final void routedOriginal() {
        originalCalls.increment();
    }

    final void routedShadow() {
        shadowCalls.increment();
    }

    // ------------------------------------------------------------------ reported by the caller

    final long clockIfTimed(int decision) {
        return (decision & Point.TIMED) != 0 ? clock.nanoTime() : 0L;
    }

    final void noteFastAnswered(int decision, long start) {
        fastCalls.increment();
        if ((decision & (Point.TIMED | Point.TRIAL)) != 0) {
            answeredSlow(decision, start);
        }
    }

    private void answeredSlow(int decision, long start) {
        if ((decision & Point.TIMED) != 0) {
            sample(Path.FAST, start);
        }
        if ((decision & Point.TRIAL) != 0) {
            breaker.onTrialSuccess();
        }
    }

    final void noteFastDeclined(int decision) {
        fallbackCalls.increment();
        declines.increment();
        if ((decision & Point.TRIAL) != 0) {
            breaker.onTrialDeclined();
        }
    }

    final void noteFastFailed(Throwable error) {
        try {
            fallbackCalls.increment();
            errors.increment();
            breaker.onError(error instanceof VirtualMachineError);
        } catch (Throwable ignored) {
            // bookkeeping must never turn a handled failure into the application's problem
        }
    }

    final void noteShadowCompared(int decision, boolean same) {
        if (!same) {
            mismatches.increment();
        }
        if ((decision & Point.TRIAL) != 0) {
            breaker.onTrialSuccess();
        }
    }

    final void noteShadowDeclined(int decision) {
        declines.increment();
        if ((decision & Point.TRIAL) != 0) {
            breaker.onTrialDeclined();
        }
    }

    final void noteShadowFailed(Throwable error) {
        try {
            errors.increment();
            breaker.onError(error instanceof VirtualMachineError);
        } catch (Throwable ignored) {
            // see fastFailed
        }
    }

    /**
     * The original threw. A shadow trial then never ran its fast path and proved nothing, so its permit goes
     * back, as for a decline; otherwise the breaker would refuse every call until the lost-trial re-grant an
     * open period later.
     */
    final void noteOriginalFailed(int decision) {
        if ((decision & (Point.PATH_MASK | Point.TRIAL)) == (Point.SHADOW | Point.TRIAL)) {
            breaker.onTrialDeclined();
        }
    }

    final void noteOriginalDone(int decision, long start) {
        if ((decision & Point.TIMED) != 0) {
            int path = decision & Point.PATH_MASK;
            sample(path == Point.FAST ? Path.FALLBACK : path == Point.SHADOW ? Path.SHADOW : Path.ORIGINAL, start);
        }
    }

    private void sample(Path path, long start) {
        try {
            latency.record(path, clock.nanoTime() - start);
        } catch (Throwable ignored) {
            // a metrics failure never reaches the application
        }
    }

    final void installLatencySink(LatencySink sink) {
        latency = sink == null ? LatencySink.NONE : sink;
    }

    // ------------------------------------------------------------------ reading

    final long count(Path path) {
        switch (path) {
            case ORIGINAL:
                return originalCalls.sum();
            case FAST:
                return fastCalls.sum();
            case SHADOW:
                return shadowCalls.sum();
            default:
                return fallbackCalls.sum();
        }
    }

    final long errorCount() {
        return errors.sum();
    }

    final long declineCount() {
        return declines.sum();
    }

    final long mismatchCount() {
        return mismatches.sum();
    }
}
