package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code gateway.rate-limiter}: every state-touching method of the demo gateway's
 * {@code KeyRateLimiter} ({@code tryAcquire}, {@code peek}, {@code reconcile}, {@code release},
 * {@code evictIdle}, {@code trackedKeys}). The limiter instance and its private window map arrive as
 * {@code Object}; limits as primitives. Without an installed {@link Handle}, or while it says
 * {@link Handle#originalOnly()}, every call runs the original and {@link #tryAcquire} and {@link #peek}
 * answer null: no per-thread answer is touched, so the rewritten method costs its original two reads more.
 */
public final class GatewayLimiterBridge {

    /** The isolated part's side; implementations never throw. */
    public interface Handle {
        /**
         * True while every call may run the original alone with nothing to do before or after it: the point is
         * off and no limiter has a twin (so no key has state anywhere else). Cheap: read on every call.
         */
        boolean originalOnly();

        /** Fills {@code into}: answered, or the original runs (possibly counted in the key's stripe). */
        void tryAcquire(Object limiter, Object windows, String key, long rpm, long tpm, int maxParallel,
                        long reservedTokens, long nowMillis, RateLimitAnswer into);

        /** After the original body of a call that {@link RateLimitAnswer#pending() left something pending}. */
        void originalDone(RateLimitAnswer answer);

        /** Fills {@code into}: answered, or the original runs. */
        void peek(Object limiter, Object windows, String key, long rpm, long tpm, int maxParallel, long nowMillis,
                  RateLimitAnswer into);

        /** True when the twin held the key's current window (the original's is then over: skip it). */
        boolean reconcile(Object limiter, String key, long reservedTokens, long actualTokens, long acquiredAtMillis,
                          long nowMillis);

        /** True when the twin freed one of the key's slots (skip the original). */
        boolean release(Object limiter, String key);

        /** Keys the twin dropped; the original evicts its own too. */
        int evictIdle(Object limiter, long nowMillis);

        /** Keys with state on both sides, given the original's count. */
        int trackedKeys(Object limiter, int originalKeys);
    }

    private static final class Answers extends ThreadLocal<RateLimitAnswer> {
        @Override
        protected RateLimitAnswer initialValue() {
            return new RateLimitAnswer();
        }
    }

    private static final ThreadLocal<RateLimitAnswer> ANSWERS = new Answers();
    private static volatile Handle handle;

    private GatewayLimiterBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    /** The call's answer holder, or null: the original runs and nothing is left for the exit. */
    public static RateLimitAnswer tryAcquire(Object limiter, Object windows, String key, long rpm, long tpm,
                                             int maxParallel, long reservedTokens, long nowMillis) {
        Handle h = handle;
        if (h == null || h.originalOnly()) {
            return null;
        }
        RateLimitAnswer a = ANSWERS.get();
        a.answered = false;
        h.tryAcquire(limiter, windows, key, rpm, tpm, maxParallel, reservedTokens, nowMillis, a);
        return a;
    }

    /** As {@link #tryAcquire}. */
    public static RateLimitAnswer peek(Object limiter, Object windows, String key, long rpm, long tpm,
                                       int maxParallel, long nowMillis) {
        Handle h = handle;
        if (h == null || h.originalOnly()) {
            return null;
        }
        RateLimitAnswer a = ANSWERS.get();
        a.answered = false;
        h.peek(limiter, windows, key, rpm, tpm, maxParallel, nowMillis, a);
        return a;
    }

    /** True when the fast path answered the call ({@code a} may be null): the original body is skipped. */
    public static boolean answered(RateLimitAnswer a) {
        return a != null && a.answered;
    }

    /** Called by the exit advice of {@code tryAcquire} when the method returns (not when the original threw). */
    public static void done(RateLimitAnswer a) {
        if (a != null && a.pending()) {
            Handle h = handle;
            if (h != null) {
                h.originalDone(a);
            }
        }
    }

    public static boolean reconcile(Object limiter, String key, long reservedTokens, long actualTokens,
                                    long acquiredAtMillis, long nowMillis) {
        Handle h = handle;
        return h != null && !h.originalOnly()
                && h.reconcile(limiter, key, reservedTokens, actualTokens, acquiredAtMillis, nowMillis);
    }

    public static boolean release(Object limiter, String key) {
        Handle h = handle;
        return h != null && !h.originalOnly() && h.release(limiter, key);
    }

    public static int evictIdle(Object limiter, long nowMillis) {
        Handle h = handle;
        return h == null || h.originalOnly() ? 0 : h.evictIdle(limiter, nowMillis);
    }

    public static int trackedKeys(Object limiter, int originalKeys) {
        Handle h = handle;
        return h == null || h.originalOnly() ? originalKeys : h.trackedKeys(limiter, originalKeys);
    }
}
