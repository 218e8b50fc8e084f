package dev.fastllm.fallback;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A point's per-call decision: its flag packed into one {@code volatile long} plan, breaker admission,
 * canary and shadow selection (per call for a pure point, by key for a stateful one) and latency sampling.
 * The answer is an {@code int}: the path in {@link Point#PATH_MASK}, plus {@link Point#TIMED} and
 * {@link Point#TRIAL}. Calls routed to the original or to shadow are counted ({@link Outcomes}) here, since
 * their callers report nothing more about them.
 *
 * <p>The plan is {@code threshold << 2 | mode}, with the threshold in units of 2^-32 of the calls (or keys):
 * a flag change is one write, and a reader never sees the mode of one flag with the percentage of another.
 * Off costs one volatile read and a branch; no path takes a lock or allocates.
 *
 * <p>A layer of {@code Point} (see {@link Outcomes}) rather than an object it holds, so that the plan is a
 * field of the point itself: an off point costs one load, not a load of a rollout and then of its plan.
 */
abstract class Rollout extends Outcomes {

    private static final int M_OFF = 0;
    private static final int M_ON = 1;
    private static final int M_CANARY = 2;
    private static final int M_SHADOW = 3;
    /** 2^32: a threshold that every unsigned 32-bit draw is below. */
    static final long ALL = 1L << 32;

    private final String pointName;
    private final boolean stateful;
    private final int salt;

    /** {@code threshold << 2 | mode}. */
    private volatile long plan;
    /** Latency sampling threshold in units of 2^-32; 0 = never sample. */
    private volatile long sampleThreshold;
    private volatile Flag flag;
    private volatile String flagSource;

    Rollout(String pointName, Kind kind, NanoClock clock, Breaker breaker) {
        super(clock, breaker);
        this.pointName = pointName;
        this.stateful = kind == Kind.STATEFUL;
        this.salt = mix(pointName.hashCode());
    }

    final int decision(int keyHash) {
        long p = plan;
        if ((p & 3) == M_OFF) {
            return Point.ORIGINAL;
        }
        return decideActive(p, keyHash);
    }

    private int decideActive(long p, int keyHash) {
        int trial = 0;
        if (!breaker.isClosed()) {
            int admitted = breaker.admit();
            if (admitted == Breaker.REFUSE) {
                routedOriginal();
                return sampleThreshold == 0 ? Point.ORIGINAL
                        : Point.ORIGINAL | sampleBit(ThreadLocalRandom.current().nextLong());
            }
            if (admitted == Breaker.ALLOW_TRIAL) {
                trial = Point.TRIAL;
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
            path = Point.FAST;
        } else {
            long u = stateful ? (mix(keyHash ^ salt) & 0xFFFF_FFFFL) : (draw & 0xFFFF_FFFFL);
            path = u < (p >>> 2) ? (mode == M_SHADOW ? Point.SHADOW : Point.FAST) : Point.ORIGINAL;
        }
        if (path == Point.ORIGINAL) {
            if (trial != 0) {
                breaker.onTrialDeclined();
                trial = 0;
            }
            routedOriginal();
        } else if (path == Point.SHADOW) {
            routedShadow();
        }
        return path | trial | ((draw >>> 32) < st ? Point.TIMED : 0);
    }

    private int sampleBit(long draw) {
        return (draw >>> 32) < sampleThreshold ? Point.TIMED : 0;
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

    /** True while the flag is {@code off}: one volatile read, no counting (see {@link Point#isOff}). */
    final boolean off() {
        return (plan & 3) == M_OFF;
    }

    final boolean selects(int keyHash) {
        long p = plan;
        int mode = (int) (p & 3);
        return mode != M_OFF && (mix(keyHash ^ salt) & 0xFFFF_FFFFL) < (p >>> 2);
    }

    /** Packs {@code newFlag} into the plan; the flag, its source and the plan change together. */
    final void applyFlag(Flag newFlag, String source) {
        if (newFlag == null) {
            throw new IllegalArgumentException("flag is null");
        }
        if (stateful && newFlag.mode() == Mode.SHADOW) {
            throw new IllegalArgumentException(pointName + " is stateful: shadow would run one key's state twice; use "
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

    final Flag currentFlag() {
        return flag;
    }

    final String currentFlagSource() {
        return flagSource;
    }

    final void applySamplePercent(double percent) {
        sampleThreshold = share(percent);
    }

    final double samplePercent() {
        return sampleThreshold * 100.0 / ALL;
    }
}
