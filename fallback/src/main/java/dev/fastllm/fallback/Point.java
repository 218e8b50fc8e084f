package dev.fastllm.fallback;

import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * One instrumentation point ({@code gateway.rate-limiter}): its flag, its rollout, its breaker and its
 * counters. A bridge declares it once through {@link Points#declare} and keeps it in a {@code static final}
 * field; every call of the rewritten method then asks it which way to go.
 *
 * <p>This class is the point's surface; the work is done by one class per job: {@link Rollout} decides,
 * {@link Outcomes} counts what happened and feeds the {@link Breaker}, {@link FaultRate} injects faults,
 * {@link Dispatch} is the functional form and {@link StatusLine} writes the start-log line. The first three
 * are this class's superclasses, not objects it holds, so that every field the hot path reads is a field
 * of the point itself.
 *
 * <h2>Explicit form (for Byte Buddy advice)</h2>
 * <pre>{@code
 * int d = POINT.decide(key.hashCode());          // ORIGINAL, FAST or SHADOW, plus flag bits
 * if (Point.isFast(d)) {
 *     long t0 = POINT.startTime(d);              // 0 unless this call is sampled for latency
 *     try {
 *         R r = fastTwin.call(...);
 *         if (r != null) { POINT.fastAnswered(d, t0); return r; }   // skip the original body
 *         POINT.fastDeclined(d);
 *     } catch (Throwable t) {
 *         POINT.fastFailed(d, t);
 *     }
 * }
 * return null;                                   // the original body runs on this same call
 * }</pre>
 * A shadow decision runs the fast path, keeps its answer, lets the original run and then reports
 * {@link #shadowCompared} (or {@link #shadowFailed}). {@link #originalDone} records the sampled latency of
 * whatever the original body ran as (original, fallback or shadow).
 *
 * <h2>Functional form</h2>
 * {@link #call(int, Object, Function, Function)} and {@link #callInt} do all of the above; with
 * non-capturing lambdas or method references (pass the arguments through {@code arg}) they allocate nothing.
 *
 * <h2>Cost</h2>
 * Off: one volatile read and a branch, nothing counted. On: two volatile reads, one thread-local random
 * draw when latency sampling is on, one {@link java.util.concurrent.atomic.LongAdder} increment when the
 * outcome is reported. No lock and no allocation on any path except the first error of a thread under
 * contention (LongAdder cells).
 */
public final class Point extends FaultRate {

    /** Decision path: run the original body. */
    public static final int ORIGINAL = 0;
    /** Decision path: run the fast path; fall back to the original on decline or Throwable. */
    public static final int FAST = 1;
    /** Decision path: run both, return the original's answer, compare. */
    public static final int SHADOW = 2;
    /** Mask of the path in a decision. */
    public static final int PATH_MASK = 3;
    /** Decision bit: this call is sampled for latency. */
    public static final int TIMED = 4;
    /** Decision bit: this call is a half-open breaker trial. */
    public static final int TRIAL = 8;

    /** What an int-returning fast path returns to decline (the original then answers). */
    public static final int DECLINE_INT = Integer.MIN_VALUE;

    private final String name;
    private final Component component;
    private final Kind kind;
    private final Flag defaultFlag;
    private final StatusLine status = new StatusLine();

    Point(String name, Component component, Kind kind, Flag defaultFlag, BreakerConfig breakerConfig,
          NanoClock clock) {
        super(name, kind, clock, new Breaker(breakerConfig, clock));
        this.name = name;
        this.component = component;
        this.kind = kind;
        this.defaultFlag = defaultFlag;
        setFlag(defaultFlag, "default");
    }

    // ------------------------------------------------------------------ decision (hot path)

    /** {@link #decide(int)} with key hash 0: for pure points, or a stateful call without a key. */
    public int decide() {
        return decision(0);
    }

    /**
     * Which way this call goes. Pure points draw per call and ignore {@code keyHash}; stateful points select
     * by {@code keyHash}, so the same key always takes the same path at a given percentage. Counts
     * {@link Path#ORIGINAL} and {@link Path#SHADOW} calls itself (not while the point is off); the caller
     * reports the outcome of a {@link #FAST} decision.
     */
    public int decide(int keyHash) {
        return decision(keyHash);
    }

    /** True when a stateful point at its current flag sends this key to the fast path (breaker aside). */
    public boolean selectsKey(int keyHash) {
        return selects(keyHash);
    }

    /**
     * True while the flag is {@code off}, so that every decision is {@link #ORIGINAL}; unlike {@link #decide}
     * it counts nothing. One volatile read: for a rewritten method that can skip all its work while its point
     * is off (a stateful point also has to know that no twin holds state).
     */
    public boolean isOff() {
        return off();
    }

    public static boolean isOriginal(int decision) {
        return (decision & PATH_MASK) == ORIGINAL;
    }

    public static boolean isFast(int decision) {
        return (decision & PATH_MASK) == FAST;
    }

    public static boolean isShadow(int decision) {
        return (decision & PATH_MASK) == SHADOW;
    }

    public static boolean isTimed(int decision) {
        return (decision & TIMED) != 0;
    }

    // ------------------------------------------------------------------ outcomes (explicit form)

    /** The clock reading to pass to the outcome calls if this call is sampled, else 0 (no clock read). */
    public long startTime(int decision) {
        return clockIfTimed(decision);
    }

    /** The fast path answered; the original body is skipped. */
    public void fastAnswered(int decision, long start) {
        noteFastAnswered(decision, start);
    }

    /** The fast path declined (returned null or a sentinel): the original runs; not an error. */
    public void fastDeclined(int decision) {
        noteFastDeclined(decision);
    }

    /**
     * The fast path threw: the original runs on this same call, the error is counted and fed to the
     * breaker. A {@link VirtualMachineError} (OutOfMemoryError, StackOverflowError...) is handled the same
     * way, not rethrown: the fast path may be what exhausted the heap or stack, and the original is the
     * application's own behaviour; such an error opens the breaker at once. Never throws.
     */
    public void fastFailed(int decision, Throwable error) {
        noteFastFailed(error);
    }

    /** A shadow call's fast answer compared with the original's; counts a mismatch when they differ. */
    public void shadowCompared(int decision, boolean same) {
        noteShadowCompared(decision, same);
    }

    /** A shadow call's fast path declined: nothing to compare. */
    public void shadowDeclined(int decision) {
        noteShadowDeclined(decision);
    }

    /** A shadow call's fast path threw: counted and fed to the breaker; the caller still gets the original's answer. */
    public void shadowFailed(int decision, Throwable error) {
        noteShadowFailed(error);
    }

    /**
     * The original body finished; records its sampled latency as {@link Path#ORIGINAL}, {@link Path#FALLBACK}
     * (after a fast decision) or {@link Path#SHADOW}. A no-op unless the decision is {@link #TIMED}.
     */
    public void originalDone(int decision, long start) {
        noteOriginalDone(decision, start);
    }

    /** The original threw (the exception goes to the caller unchanged); see {@link Outcomes#noteOriginalFailed}. */
    void originalFailed(int decision) {
        noteOriginalFailed(decision);
    }

    /**
     * Throws {@link InjectedFault} at the point's fault rate ({@code FAST_LLM_FAULTS}), else returns: a
     * fast path calls this first, so operators and tests can watch the fallback work. Without faults: one
     * volatile read and a branch.
     */
    public void injectFault() {
        throwAtRate();
    }

    // ------------------------------------------------------------------ functional form

    /** {@link #call(int, Object, Function, Function, BiPredicate)} for a pure point, comparing with equals. */
    public <A, R> R call(A arg, Function<? super A, ? extends R> fast, Function<? super A, ? extends R> original) {
        return Dispatch.call(this, 0, arg, fast, original, null);
    }

    /** {@link #call(int, Object, Function, Function, BiPredicate)} comparing shadow answers with equals. */
    public <A, R> R call(int keyHash, A arg, Function<? super A, ? extends R> fast,
                         Function<? super A, ? extends R> original) {
        return Dispatch.call(this, keyHash, arg, fast, original, null);
    }

    /**
     * Decides, runs the fast path or the original, falls back on decline ({@code null}) or any Throwable,
     * counts and feeds the breaker; in shadow runs the original, then the fast path, returns the original's
     * answer and counts a mismatch when {@code same} (or {@code equals} when null) says they differ.
     * Exceptions of the original propagate unchanged; exceptions of the fast path never do.
     */
    public <A, R> R call(int keyHash, A arg, Function<? super A, ? extends R> fast,
                         Function<? super A, ? extends R> original, BiPredicate<? super R, ? super R> same) {
        return Dispatch.call(this, keyHash, arg, fast, original, same);
    }

    /** {@link #callInt(int, Object, ToIntFunction, ToIntFunction)} for a pure point. */
    public <A> int callInt(A arg, ToIntFunction<? super A> fast, ToIntFunction<? super A> original) {
        return Dispatch.callInt(this, 0, arg, fast, original);
    }

    /**
     * The int form of {@link #call(int, Object, Function, Function, BiPredicate)}, without boxing: the fast
     * path declines by returning {@link #DECLINE_INT}; shadow answers are compared with {@code ==}.
     */
    public <A> int callInt(int keyHash, A arg, ToIntFunction<? super A> fast, ToIntFunction<? super A> original) {
        return Dispatch.callInt(this, keyHash, arg, fast, original);
    }

    // ------------------------------------------------------------------ flag and configuration

    /**
     * Changes the flag at run time (JMX, configuration). Takes effect on the next decision. For a stateful
     * point, keys whose selection changes move between the original and the fast twin; neither side's
     * state (tokens spent, leases, weights) is migrated to the other.
     *
     * @throws IllegalArgumentException for shadow on a stateful point
     */
    public void setFlag(Flag newFlag, String source) {
        applyFlag(newFlag, source);
        Runnable listener = flagListener;
        if (listener != null) {
            try {
                listener.run();
            } catch (Throwable ignored) {
                // the flag changed; what the listener does on top never undoes that
            }
        }
    }

    private volatile Runnable flagListener;

    /**
     * Runs {@code listener} after every later {@link #setFlag} (one listener per point, replacing any earlier;
     * the agent uses it to rewrite a target it left as it was while the point was off). Never on the hot path.
     */
    public void onFlagChange(Runnable listener) {
        flagListener = listener;
    }

    /** The rate, 0 to 1, at which {@link #injectFault()} throws. */
    public void setFaultRate(double rate) {
        applyFaultRate(rate);
    }

    /** The injected-fault rate, 0 to 1. */
    public double faultRate() {
        return currentFaultRate();
    }

    void setLatencySamplePercent(double percent) {
        applySamplePercent(percent);
    }

    void setBreakerConfig(BreakerConfig config) {
        breaker.reconfigure(config);
    }

    /** Installs where sampled latencies go (the metrics binding does this). */
    public void setLatencySink(LatencySink sink) {
        installLatencySink(sink);
    }

    /** For the agent's start line: the rewrite applied, e.g. {@code markApplied("com.x.Limiter#tryAcquire")}. */
    public void markApplied(String classAndMethod) {
        status.markApplied(classAndMethod);
    }

    /** For the agent's start line: the target class or method is not present. */
    public void markAbsent() {
        status.markAbsent();
    }

    /** For the agent's start line: any other status (e.g. "instrumentation failed: ..."). */
    public void markTarget(String status) {
        this.status.markTarget(status);
    }

    // ------------------------------------------------------------------ reading

    public String name() {
        return name;
    }

    public Component component() {
        return component;
    }

    public Kind kind() {
        return kind;
    }

    public Flag flag() {
        return currentFlag();
    }

    public Flag defaultFlag() {
        return defaultFlag;
    }

    /** Where the current flag came from: "default", "FAST_LLM_TOKENS", "-Dfastllm.tokens", "agent argument tokens", "jmx". */
    public String flagSource() {
        return currentFlagSource();
    }

    public Breaker breaker() {
        return breaker;
    }

    public double latencySamplePercent() {
        return samplePercent();
    }

    /** The target status reported by the agent, or null. */
    public String target() {
        return status.target();
    }

    public long calls(Path path) {
        return count(path);
    }

    /** Throwables from the fast path (fast and shadow calls). */
    public long errors() {
        return errorCount();
    }

    /** Fast-path declines (fast and shadow calls). */
    public long declines() {
        return declineCount();
    }

    public long shadowMismatches() {
        return mismatchCount();
    }

    /** One line for the agent's start log (see {@link StatusLine}). */
    public String statusLine() {
        return status.render(this);
    }

    @Override
    public String toString() {
        return "Point[" + name + ' ' + flag() + ']';
    }
}
