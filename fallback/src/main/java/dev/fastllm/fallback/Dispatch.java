package dev.fastllm.fallback;

import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The functional form of a point's protocol: decide, run the fast path or the original, fall back on a
 * decline or any Throwable, run both in shadow and compare. Every report goes through the point's explicit
 * form ({@link Point#fastAnswered} and the rest), so the two forms cannot drift apart.
 *
 * <p>The protocol is the sequence in {@link #call} and {@link #callInt}, and each step that reports an
 * outcome (a fast attempt, a shadow attempt) is one method shared by both. Only the answer's type differs:
 * each form keeps its answers in locals of its own type, so nothing is boxed or allocated (why not one body
 * for both: docs/ARCHITECTURE.md, fallback, "Dispatch"). The paths after a fast call that did not stand and
 * for shadow are methods of their own, so that the common path (decide, fast, report) compiles small enough
 * to be inlined into its caller.
 *
 * <p>Exceptions of the original propagate unchanged; exceptions of the fast path (and of a shadow
 * comparison) never do.
 */
final class Dispatch {

    /** Marks a decision whose fast or shadow attempt threw (already reported); never set by {@link Point#decide}. */
    private static final int FAILED = 1 << 30;

    private Dispatch() {
    }

    /** See {@link Point#call(int, Object, Function, Function, BiPredicate)}. */
    static <A, R> R call(Point point, int keyHash, A arg, Function<? super A, ? extends R> fast,
                         Function<? super A, ? extends R> original, BiPredicate<? super R, ? super R> same) {
        int d = point.decide(keyHash);
        if (Point.isFast(d)) {
            long t0 = point.startTime(d);
            R r = null;
            try {
                r = fast.apply(arg);
            } catch (Throwable t) {
                d = failed(point, d, t);
            }
            if (fastStands(point, d, t0, r != null)) {
                return r;
            }
            return fallBack(point, d, t0, arg, original);
        }
        if (originalOnly(d)) {
            return original.apply(arg);
        }
        return originalThenShadow(point, d, arg, fast, original, same);
    }

    /** After a fast decision that did not stand: the original answers, its latency sampled as fallback. */
    private static <A, R> R fallBack(Point point, int d, long t0, A arg, Function<? super A, ? extends R> original) {
        R answer = original.apply(arg);
        point.originalDone(d, t0);
        return answer;
    }

    /** A shadow decision, or a timed original one: the original answers; in shadow the fast path runs after it. */
    private static <A, R> R originalThenShadow(Point point, int d, A arg, Function<? super A, ? extends R> fast,
                                               Function<? super A, ? extends R> original,
                                               BiPredicate<? super R, ? super R> same) {
        long t0 = point.startTime(d);
        R answer;
        try {
            answer = original.apply(arg);
        } catch (Throwable t) {
            point.originalFailed(d);
            throw t;
        }
        if (Point.isShadow(d)) {
            R shadowAnswer = null;
            try {
                shadowAnswer = fast.apply(arg);
            } catch (Throwable t) {
                d = failed(point, d, t);
            }
            shadowDone(point, d, shadowAnswer != null && sameAnswer(same, answer, shadowAnswer), shadowAnswer == null);
        }
        point.originalDone(d, t0);
        return answer;
    }

    /** See {@link Point#callInt(int, Object, ToIntFunction, ToIntFunction)}. */
    static <A> int callInt(Point point, int keyHash, A arg, ToIntFunction<? super A> fast,
                           ToIntFunction<? super A> original) {
        int d = point.decide(keyHash);
        if (Point.isFast(d)) {
            long t0 = point.startTime(d);
            int r = Point.DECLINE_INT;
            try {
                r = fast.applyAsInt(arg);
            } catch (Throwable t) {
                d = failed(point, d, t);
            }
            if (fastStands(point, d, t0, r != Point.DECLINE_INT)) {
                return r;
            }
            return fallBackInt(point, d, t0, arg, original);
        }
        if (originalOnly(d)) {
            return original.applyAsInt(arg);
        }
        return originalThenShadowInt(point, d, arg, fast, original);
    }

    private static <A> int fallBackInt(Point point, int d, long t0, A arg, ToIntFunction<? super A> original) {
        int answer = original.applyAsInt(arg);
        point.originalDone(d, t0);
        return answer;
    }

    private static <A> int originalThenShadowInt(Point point, int d, A arg, ToIntFunction<? super A> fast,
                                                 ToIntFunction<? super A> original) {
        long t0 = point.startTime(d);
        int answer;
        try {
            answer = original.applyAsInt(arg);
        } catch (Throwable t) {
            point.originalFailed(d);
            throw t;
        }
        if (Point.isShadow(d)) {
            int shadowAnswer = Point.DECLINE_INT;
            try {
                shadowAnswer = fast.applyAsInt(arg);
            } catch (Throwable t) {
                d = failed(point, d, t);
            }
            shadowDone(point, d, shadowAnswer == answer, shadowAnswer == Point.DECLINE_INT);
        }
        point.originalDone(d, t0);
        return answer;
    }

    /** An untimed original decision: nothing to measure or report after the original. */
    private static boolean originalOnly(int d) {
        return (d & (Point.PATH_MASK | Point.TIMED)) == Point.ORIGINAL;
    }

    /** Reports a Throwable of a fast or shadow attempt; the decision comes back marked {@link #FAILED}. */
    private static int failed(Point point, int d, Throwable t) {
        if (Point.isFast(d)) {
            point.fastFailed(d, t);
        } else {
            point.shadowFailed(d, t);
        }
        return d | FAILED;
    }

    /**
     * After a fast attempt: true when its answer stands (reported as answered); false when the original
     * must answer (a decline is reported here, a Throwable was reported by {@link #failed}).
     */
    private static boolean fastStands(Point point, int d, long t0, boolean answered) {
        if ((d & FAILED) != 0) {
            return false;
        }
        if (answered) {
            point.fastAnswered(d, t0);
            return true;
        }
        point.fastDeclined(d);
        return false;
    }

    /** After a shadow attempt that ran after the original: reports the comparison or the decline. */
    private static void shadowDone(Point point, int d, boolean same, boolean declined) {
        if ((d & FAILED) != 0) {
            return;
        }
        if (declined) {
            point.shadowDeclined(d);
        } else {
            point.shadowCompared(d, same);
        }
    }

    /** The comparator's verdict; a comparator that throws counts as a mismatch. */
    private static <R> boolean sameAnswer(BiPredicate<? super R, ? super R> same, R original, R fast) {
        try {
            return same == null ? original.equals(fast) : same.test(original, fast);
        } catch (Throwable t) {
            return false;
        }
    }
}
