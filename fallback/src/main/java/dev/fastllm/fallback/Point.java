package dev.fastllm.fallback;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * One instrumentation point ({@code gateway.rate-limiter}): its flag, its rollout, its breaker and its
 * counters. A bridge declares it once through {@link Points#declare} and keeps it in a {@code static final}
 * field; every call of the rewritten method then asks it which way to go.
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
 * draw when latency sampling is on, one {@link LongAdder} increment when the outcome is reported. No lock
 * and no allocation on any path except the first error of a thread under contention (LongAdder cells).
 */
public final class Point {

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

    private static final int M_OFF = 0;
    private static final int M_ON = 1;
    private static final int M_CANARY = 2;
    private static final int M_SHADOW = 3;
    private static final long ALL = 1L << 32;

    private final String name;
    private final Component component;
    private final Kind kind;
    private final boolean stateful;
    private final int salt;
    private final Flag defaultFlag;
    private final NanoClock clock;
    private final Breaker breaker;

    /** {@code threshold << 2 | mode}; threshold in units of 2^-32 of the calls (or keys), 2^32 = all. */
    private volatile long plan;
    /** Latency sampling threshold in units of 2^-32; 0 = never sample. */
    private volatile long sampleThreshold;
    /** Injected-fault threshold in units of 2^-32 of the fast calls; 0 = none (the normal case). */
    private volatile long faultThreshold;
    private volatile double faultRate;
    private volatile Flag flag;
    private volatile String flagSource;
    private volatile LatencySink latency = LatencySink.NONE;
    private volatile String target;

    private final LongAdder originalCalls = new LongAdder();
    private final LongAdder fastCalls = new LongAdder();
    private final LongAdder fallbackCalls = new LongAdder();
    private final LongAdder shadowCalls = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder declines = new LongAdder();
    private final LongAdder mismatches = new LongAdder();

    Point(String name, Component component, Kind kind, Flag defaultFlag, BreakerConfig breakerConfig,
          NanoClock clock) {
        this.name = name;
        this.component = component;
        this.kind = kind;
        this.stateful = kind == Kind.STATEFUL;
        this.salt = mix(name.hashCode());
        this.defaultFlag = defaultFlag;
        this.clock = clock;
        this.breaker = new Breaker(breakerConfig, clock);
        setFlag(defaultFlag, "default");
    }

    // ------------------------------------------------------------------ decision (hot path)

    /** {@link #decide(int)} with key hash 0: for pure points, or a stateful call without a key. */
    public int decide() {
        return decide(0);
    }

    /**
     * Which way this call goes. Pure points draw per call and ignore {@code keyHash}; stateful points select
     * by {@code keyHash}, so the same key always takes the same path at a given percentage. Counts
     * {@link Path#ORIGINAL} and {@link Path#SHADOW} calls itself (not while the point is off); the caller
     * reports the outcome of a {@link #FAST} decision.
     */
    public int decide(int keyHash) {
        long p = plan;
        if ((p & 3) == M_OFF) {
            return ORIGINAL;
        }
        return decideActive(p, keyHash);
    }

    private int decideActive(long p, int keyHash) {
        int trial = 0;
        if (!breaker.isClosed()) {
            int admitted = breaker.admit();
            if (admitted == Breaker.REFUSE) {
                originalCalls.increment();
                return sampleThreshold == 0 ? ORIGINAL : ORIGINAL | sampleBit(ThreadLocalRandom.current().nextLong());
            }
            if (admitted == Breaker.ALLOW_TRIAL) {
                trial = TRIAL;
            }
        }
        int mode = (int) (p & 3);
        long st = sampleThreshold;
        long draw = 0;
        if (st != 0 || (!stateful && mode != M_ON)) {
            draw = ThreadLocalRandom.current().nextLong();
        }
        int path;
        if (mode == M_ON) {
            path = FAST;
        } else {
            long u = stateful ? (mix(keyHash ^ salt) & 0xFFFF_FFFFL) : (draw & 0xFFFF_FFFFL);
            path = u < (p >>> 2) ? (mode == M_SHADOW ? SHADOW : FAST) : ORIGINAL;
        }
        if (path == ORIGINAL) {
            if (trial != 0) {
                breaker.onTrialDeclined();
                trial = 0;
            }
            originalCalls.increment();
        } else if (path == SHADOW) {
            shadowCalls.increment();
        }
        return path | trial | ((draw >>> 32) < st ? TIMED : 0);
    }

    private int sampleBit(long draw) {
        return (draw >>> 32) < sampleThreshold ? TIMED : 0;
    }

    /** Murmur3's 32-bit finaliser: spreads String.hashCode's weak bits over the whole int. */
    static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    /** True when a stateful point at its current flag sends this key to the fast path (breaker aside). */
    public boolean selectsKey(int keyHash) {
        long p = plan;
        int mode = (int) (p & 3);
        return mode != M_OFF && (mix(keyHash ^ salt) & 0xFFFF_FFFFL) < (p >>> 2);
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
        return (decision & TIMED) != 0 ? clock.nanoTime() : 0L;
    }

    /** The fast path answered; the original body is skipped. */
    public void fastAnswered(int decision, long start) {
        fastCalls.increment();
        if ((decision & (TIMED | TRIAL)) != 0) {
            answeredSlow(decision, start);
        }
    }

    private void answeredSlow(int decision, long start) {
        if ((decision & TIMED) != 0) {
            sample(Path.FAST, start);
        }
        if ((decision & TRIAL) != 0) {
            breaker.onTrialSuccess();
        }
    }

    /** The fast path declined (returned null or a sentinel): the original runs; not an error. */
    public void fastDeclined(int decision) {
        fallbackCalls.increment();
        declines.increment();
        if ((decision & TRIAL) != 0) {
            breaker.onTrialDeclined();
        }
    }

    /**
     * The fast path threw: the original runs on this same call, the error is counted and fed to the
     * breaker. A {@link VirtualMachineError} (OutOfMemoryError, StackOverflowError...) is handled the same
     * way, not rethrown: the fast path may be what exhausted the heap or stack, and the original is the
     * application's own behaviour; such an error opens the breaker at once. Never throws.
     */
    public void fastFailed(int decision, Throwable error) {
        try {
            fallbackCalls.increment();
            errors.increment();
            breaker.onError(error instanceof VirtualMachineError);
        } catch (Throwable ignored) {
            // bookkeeping must never turn a handled failure into the application's problem
        }
    }

    /** A shadow call's fast answer compared with the original's; counts a mismatch when they differ. */
    public void shadowCompared(int decision, boolean same) {
        if (!same) {
            mismatches.increment();
        }
        if ((decision & TRIAL) != 0) {
            breaker.onTrialSuccess();
        }
    }

    /** A shadow call's fast path declined: nothing to compare. */
    public void shadowDeclined(int decision) {
        declines.increment();
        if ((decision & TRIAL) != 0) {
            breaker.onTrialDeclined();
        }
    }

    /** A shadow call's fast path threw: counted and fed to the breaker; the caller still gets the original's answer. */
    public void shadowFailed(int decision, Throwable error) {
        try {
            errors.increment();
            breaker.onError(error instanceof VirtualMachineError);
        } catch (Throwable ignored) {
            // see fastFailed
        }
    }

    /**
     * The original body finished; records its sampled latency as {@link Path#ORIGINAL}, {@link Path#FALLBACK}
     * (after a fast decision) or {@link Path#SHADOW}. A no-op unless the decision is {@link #TIMED}.
     */
    public void originalDone(int decision, long start) {
        if ((decision & TIMED) != 0) {
            int path = decision & PATH_MASK;
            sample(path == FAST ? Path.FALLBACK : path == SHADOW ? Path.SHADOW : Path.ORIGINAL, start);
        }
    }

    private void sample(Path path, long start) {
        try {
            latency.record(path, clock.nanoTime() - start);
        } catch (Throwable ignored) {
            // a metrics failure never reaches the application
        }
    }

    /**
     * Throws {@link InjectedFault} at the point's fault rate ({@code FAST_LLM_FAULTS}), else returns: a
     * fast path calls this first, so operators and tests can watch the fallback work. Without faults: one
     * volatile read and a branch.
     */
    public void injectFault() {
        long f = faultThreshold;
        if (f != 0 && (ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFFL) < f) {
            throw new InjectedFault(name);
        }
    }

    // ------------------------------------------------------------------ functional form

    /** {@link #call(int, Object, Function, Function, BiPredicate)} for a pure point, comparing with equals. */
    public <A, R> R call(A arg, Function<? super A, ? extends R> fast, Function<? super A, ? extends R> original) {
        return call(0, arg, fast, original, null);
    }

    /** {@link #call(int, Object, Function, Function, BiPredicate)} comparing shadow answers with equals. */
    public <A, R> R call(int keyHash, A arg, Function<? super A, ? extends R> fast,
                         Function<? super A, ? extends R> original) {
        return call(keyHash, arg, fast, original, null);
    }

    /**
     * Decides, runs the fast path or the original, falls back on decline ({@code null}) or any Throwable,
     * counts and feeds the breaker; in shadow runs the original, then the fast path, returns the original's
     * answer and counts a mismatch when {@code same} (or {@code equals} when null) says they differ.
     * Exceptions of the original propagate unchanged; exceptions of the fast path never do.
     */
    public <A, R> R call(int keyHash, A arg, Function<? super A, ? extends R> fast,
                         Function<? super A, ? extends R> original, BiPredicate<? super R, ? super R> same) {
        int d = decide(keyHash);
        int path = d & PATH_MASK;
        if (path == ORIGINAL && (d & TIMED) == 0) {
            return original.apply(arg);
        }
        long t0 = startTime(d);
        if (path == FAST) {
            R r = null;
            boolean failed = false;
            try {
                r = fast.apply(arg);
            } catch (Throwable t) {
                failed = true;
                fastFailed(d, t);
            }
            if (r != null) {
                fastAnswered(d, t0);
                return r;
            }
            if (!failed) {
                fastDeclined(d);
            }
        }
        R answer;
        try {
            answer = original.apply(arg);
        } catch (Throwable t) {
            originalFailed(d);
            throw t;
        }
        if (path == SHADOW) {
            R shadowAnswer = null;
            boolean failed = false;
            try {
                shadowAnswer = fast.apply(arg);
            } catch (Throwable t) {
                failed = true;
                shadowFailed(d, t);
            }
            if (!failed) {
                if (shadowAnswer == null) {
                    shadowDeclined(d);
                } else {
                    shadowCompared(d, sameAnswer(same, answer, shadowAnswer));
                }
            }
        }
        originalDone(d, t0);
        return answer;
    }

    /**
     * The original threw (the exception goes to the caller unchanged). A shadow trial then never runs its
     * fast path and proves nothing, so its permit goes back, as for a decline; otherwise the breaker would
     * refuse every call until the lost-trial re-grant an open period later.
     */
    private void originalFailed(int decision) {
        if ((decision & (PATH_MASK | TRIAL)) == (SHADOW | TRIAL)) {
            breaker.onTrialDeclined();
        }
    }

    private static <R> boolean sameAnswer(BiPredicate<? super R, ? super R> same, R original, R fast) {
        try {
            return same == null ? original.equals(fast) : same.test(original, fast);
        } catch (Throwable t) {
            return false;
        }
    }

    /** {@link #callInt(int, Object, ToIntFunction, ToIntFunction)} for a pure point. */
    public <A> int callInt(A arg, ToIntFunction<? super A> fast, ToIntFunction<? super A> original) {
        return callInt(0, arg, fast, original);
    }

    /**
     * The int form of {@link #call(int, Object, Function, Function, BiPredicate)}, without boxing: the fast
     * path declines by returning {@link #DECLINE_INT}; shadow answers are compared with {@code ==}.
     */
    public <A> int callInt(int keyHash, A arg, ToIntFunction<? super A> fast, ToIntFunction<? super A> original) {
        int d = decide(keyHash);
        int path = d & PATH_MASK;
        if (path == ORIGINAL && (d & TIMED) == 0) {
            return original.applyAsInt(arg);
        }
        long t0 = startTime(d);
        if (path == FAST) {
            int r = DECLINE_INT;
            boolean failed = false;
            try {
                r = fast.applyAsInt(arg);
            } catch (Throwable t) {
                failed = true;
                fastFailed(d, t);
            }
            if (r != DECLINE_INT) {
                fastAnswered(d, t0);
                return r;
            }
            if (!failed) {
                fastDeclined(d);
            }
        }
        int answer;
        try {
            answer = original.applyAsInt(arg);
        } catch (Throwable t) {
            originalFailed(d);
            throw t;
        }
        if (path == SHADOW) {
            int shadowAnswer = DECLINE_INT;
            boolean failed = false;
            try {
                shadowAnswer = fast.applyAsInt(arg);
            } catch (Throwable t) {
                failed = true;
                shadowFailed(d, t);
            }
            if (!failed) {
                if (shadowAnswer == DECLINE_INT) {
                    shadowDeclined(d);
                } else {
                    shadowCompared(d, shadowAnswer == answer);
                }
            }
        }
        originalDone(d, t0);
        return answer;
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
        if (newFlag == null) {
            throw new IllegalArgumentException("flag is null");
        }
        if (stateful && newFlag.mode() == Mode.SHADOW) {
            throw new IllegalArgumentException(name + " is stateful: shadow would run one key's state twice; use "
                    + "on, off or canary:N");
        }
        long threshold;
        int mode;
        switch (newFlag.mode()) {
            case OFF:
                mode = M_OFF;
                threshold = 0;
                break;
            case ON:
                mode = M_ON;
                threshold = ALL;
                break;
            case CANARY:
                mode = M_CANARY;
                threshold = share(newFlag.percent());
                break;
            default:
                mode = M_SHADOW;
                threshold = share(newFlag.percent());
                break;
        }
        synchronized (this) {
            flag = newFlag;
            flagSource = source;
            plan = threshold << 2 | mode;
        }
    }

    /** A percentage as a threshold in units of 2^-32: 0 -> 0, 100 -> 2^32. */
    static long share(double percent) {
        if (percent <= 0) {
            return 0;
        }
        if (percent >= 100) {
            return ALL;
        }
        return Math.round(percent / 100.0 * ALL);
    }

    /** The rate, 0 to 1, at which {@link #injectFault()} throws. */
    public void setFaultRate(double rate) {
        double r = rate > 0 ? Math.min(rate, 1) : 0;
        faultRate = r;
        faultThreshold = share(r * 100);
    }

    /** The injected-fault rate, 0 to 1. */
    public double faultRate() {
        return faultRate;
    }

    void setLatencySamplePercent(double percent) {
        sampleThreshold = share(percent);
    }

    void setBreakerConfig(BreakerConfig config) {
        breaker.reconfigure(config);
    }

    /** Installs where sampled latencies go (the metrics binding does this). */
    public void setLatencySink(LatencySink sink) {
        latency = sink == null ? LatencySink.NONE : sink;
    }

    /** For the agent's start line: the rewrite applied, e.g. {@code markApplied("com.x.Limiter#tryAcquire")}. */
    public void markApplied(String classAndMethod) {
        target = "applied to " + classAndMethod;
    }

    /** For the agent's start line: the target class or method is not present. */
    public void markAbsent() {
        target = "target absent";
    }

    /** For the agent's start line: any other status (e.g. "instrumentation failed: ..."). */
    public void markTarget(String status) {
        target = status;
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
        return flag;
    }

    public Flag defaultFlag() {
        return defaultFlag;
    }

    /** Where the current flag came from: "default", "FAST_LLM_TOKENS", "-Dfastllm.tokens", "agent argument tokens", "jmx". */
    public String flagSource() {
        return flagSource;
    }

    public Breaker breaker() {
        return breaker;
    }

    public double latencySamplePercent() {
        return sampleThreshold * 100.0 / ALL;
    }

    /** The target status reported by the agent, or null. */
    public String target() {
        return target;
    }

    public long calls(Path path) {
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

    /** Throwables from the fast path (fast and shadow calls). */
    public long errors() {
        return errors.sum();
    }

    /** Fast-path declines (fast and shadow calls). */
    public long declines() {
        return declines.sum();
    }

    public long shadowMismatches() {
        return mismatches.sum();
    }

    /** One line for the agent's start log. */
    public String statusLine() {
        StringBuilder sb = new StringBuilder(128);
        sb.append(name).append(": ").append(flag).append(" (").append(flagSource).append("), ")
                .append(kind == Kind.STATEFUL ? "stateful" : "pure").append(", breaker ")
                .append(breaker.state().text());
        double f = faultRate;
        if (f > 0) {
            sb.append(", faults injected at rate ").append(Flag.formatPercent(f));
        }
        String t = target;
        sb.append(", ").append(t == null ? "target not reported" : t);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Point[" + name + ' ' + flag + ']';
    }
}
