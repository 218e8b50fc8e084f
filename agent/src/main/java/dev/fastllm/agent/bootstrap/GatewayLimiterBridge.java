package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code gateway.rate-limiter}: every state-touching method of the demo gateway's
 * {@code KeyRateLimiter} ({@code tryAcquire}, {@code peek}, {@code reconcile}, {@code release},
 * {@code evictIdle}, {@code trackedKeys}). The limiter instance and its private window map arrive as
 * {@code Object}; limits as primitives. Without an installed {@link Handle}, every call runs the original.
 */
public final class GatewayLimiterBridge {

    /** The isolated part's side; implementations never throw. */
    public interface Handle {
        /** Fills {@code into}: answered, or the original runs (possibly holding the key's lock). */
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

    public static RateLimitAnswer tryAcquire(Object limiter, Object windows, String key, long rpm, long tpm,
                                             int maxParallel, long reservedTokens, long nowMillis) {
        RateLimitAnswer a = ANSWERS.get();
        a.answered = false;
        Handle h = handle;
        if (h != null) {
            h.tryAcquire(limiter, windows, key, rpm, tpm, maxParallel, reservedTokens, nowMillis, a);
        }
        return a;
    }

    public static RateLimitAnswer peek(Object limiter, Object windows, String key, long rpm, long tpm,
                                       int maxParallel, long nowMillis) {
        RateLimitAnswer a = ANSWERS.get();
        a.answered = false;
        Handle h = handle;
        if (h != null) {
            h.peek(limiter, windows, key, rpm, tpm, maxParallel, nowMillis, a);
        }
        return a;
    }

    /** Called by every exit advice of {@code tryAcquire}, also when the original threw. */
    public static void done(RateLimitAnswer a) {
        Handle h = handle;
        if (h != null && a.pending()) {
            h.originalDone(a);
        }
    }

    public static boolean reconcile(Object limiter, String key, long reservedTokens, long actualTokens,
                                    long acquiredAtMillis, long nowMillis) {
        Handle h = handle;
        return h != null && h.reconcile(limiter, key, reservedTokens, actualTokens, acquiredAtMillis, nowMillis);
    }

    public static boolean release(Object limiter, String key) {
        Handle h = handle;
        return h != null && h.release(limiter, key);
    }

    public static int evictIdle(Object limiter, long nowMillis) {
        Handle h = handle;
        return h == null ? 0 : h.evictIdle(limiter, nowMillis);
    }

    public static int trackedKeys(Object limiter, int originalKeys) {
        Handle h = handle;
        return h == null ? originalKeys : h.trackedKeys(limiter, originalKeys);
    }
}
