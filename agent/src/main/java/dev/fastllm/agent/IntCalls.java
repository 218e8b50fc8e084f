package dev.fastllm.agent;

import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.fallback.Point;

/**
 * The reporting half of a point whose fast path answers an {@code int} (a token count) through a {@link CallState}:
 * what the fast path's answer, its decline or its Throwable means for the point's counters and for the bridge, and
 * the bookkeeping after the original ran. Static and allocation-free, so each point's call stays one method the JIT
 * compiles whole: the point decides, injects its fault and computes; these say what that came to.
 */
public final class IntCalls {

    private IntCalls() {
    }

    /** The start time of a decided call: taken only for a fast one (a shadow's original is timed on its own). */
    public static long start(Point point, int d) {
        return Point.isFast(d) ? point.startTime(d) : 0L;
    }

    /**
     * The bridge's state for a decided call whose fast path computed {@code n} ({@link Point#DECLINE_INT} when it
     * declined): answered (fast), the answer kept to compare (shadow), or the original runs.
     */
    public static long computed(Point point, int d, long t0, int n) {
        boolean fast = Point.isFast(d);
        if (n != Point.DECLINE_INT) {
            if (fast) {
                point.fastAnswered(d, t0);
                return CallState.answered(d, n);
            }
            return CallState.shadow(d, n);
        }
        if (fast) {
            point.fastDeclined(d);
        } else {
            point.shadowDeclined(d);
        }
        return CallState.original(d);
    }

    /** The bridge's state for a decided call whose fast path threw: the original runs this call. */
    public static long failed(Point point, int d, Throwable t) {
        if (Point.isFast(d)) {
            point.fastFailed(d, t);
        } else {
            point.shadowFailed(d, t);
        }
        return CallState.original(d);
    }

    /** After the original ran: a shadow's answer compared with the original's, its latency recorded. Never throws. */
    public static int originalDone(Point point, long call, long startNanos, int originalAnswer) {
        try {
            int d = CallState.decision(call);
            if (CallState.hasShadowAnswer(call)) {
                point.shadowCompared(d, CallState.answer(call) == originalAnswer);
            }
            point.originalDone(d, startNanos);
        } catch (Throwable ignored) {
            // bookkeeping never changes the original's answer
        }
        return originalAnswer;
    }
}
