package dev.fastllm.gateway.limits;

import dev.fastllm.gateway.limits.RateLimitDecision.Limit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per virtual key limits: requests per minute, tokens per minute and requests in flight.
 *
 * <p>Semantics are LiteLLM's per-key limiter: a fixed window of {@value #WINDOW_MILLIS} ms anchored at the
 * key's first request in that window, counting admitted requests and reserved tokens. A request reserves its
 * prompt tokens plus {@code max_tokens} up front ({@link #tryAcquire}); once the provider reports its usage,
 * {@link #reconcile} replaces the reservation with the real figure if the window is still the one the request
 * was admitted in. A parallel slot is held from {@link #tryAcquire} to {@link #release}.
 *
 * <p>Design: a {@link ConcurrentHashMap} of per-key window objects whose methods are {@code synchronized}, the
 * usual shape of a per-key limiter in Java servers (one monitor per key, no global lock). Idle windows are
 * dropped by {@link #evictIdle}: a window is retired under its own monitor (only when expired and holding no
 * parallel slot) before it is removed from the map, and a caller that meets a retired window takes a fresh
 * one, so eviction never loses a held slot or an admission.
 *
 * <p>Time is passed in: {@code nowMillis} must come from one monotonic clock (e.g. {@code System.nanoTime()}
 * in milliseconds) shared by every call on this limiter.
 */
public final class KeyRateLimiter {

    /** Length of a rate-limit window. */
    public static final long WINDOW_MILLIS = 60_000;

    /** Retry hint for a request refused because every parallel slot of its key is taken. */
    public static final long PARALLEL_RETRY_AFTER_MILLIS = 1_000;

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /**
     * Atomically checks the key's three limits and, only if all pass, takes one request, {@code reservedTokens}
     * tokens and one parallel slot. A refused request takes nothing. An admitted request must be
     * {@link #release released} exactly once.
     *
     * @param reservedTokens prompt tokens plus the completion budget ({@code max_tokens}); negative counts as 0
     */
    public RateLimitDecision tryAcquire(String key, KeyLimits limits, long reservedTokens, long nowMillis) {
        long reserve = Math.max(0, reservedTokens);
        while (true) {
            Window window = windowOf(key);
            RateLimitDecision decision = window.tryAcquire(limits, reserve, nowMillis);
            if (decision != null) {
                return decision;
            }
            // retired by a concurrent eviction: help remove it, then take a fresh window
            windows.remove(key, window);
        }
    }

    /**
     * Replaces a request's token reservation with the provider-reported usage, if the key's window is still
     * the one the request was admitted in; otherwise nothing changes (the reservation expired with its window).
     *
     * @param acquiredAtMillis the {@code nowMillis} passed to the {@link #tryAcquire} that admitted the request
     */
    public void reconcile(String key, long reservedTokens, long actualTokens, long acquiredAtMillis, long nowMillis) {
        Window window = windows.get(key);
        if (window != null) {
            window.reconcile(Math.max(0, reservedTokens), Math.max(0, actualTokens), acquiredAtMillis, nowMillis);
        }
    }

    /** Frees the parallel slot of an admitted request. The caller guarantees exactly one call per admission. */
    public void release(String key) {
        Window window = windows.get(key);
        if (window != null) {
            window.release();
        }
    }

    /**
     * The key's current standing without taking anything: whether a request reserving no tokens would be
     * admitted now, with the header values. Creates no state for an unseen key.
     */
    public RateLimitDecision peek(String key, KeyLimits limits, long nowMillis) {
        Window window = windows.get(key);
        if (window == null) {
            return new RateLimitDecision(true, Limit.NONE, 0, limits.rpm(), limits.rpm(), limits.tpm(), limits.tpm());
        }
        return window.peek(limits, nowMillis);
    }

    /**
     * Drops the state of keys whose window has expired and which hold no parallel slot. Call periodically;
     * safe to run concurrently with every other method.
     *
     * @return how many keys were dropped
     */
    public int evictIdle(long nowMillis) {
        int removed = 0;
        for (Map.Entry<String, Window> entry : windows.entrySet()) {
            Window window = entry.getValue();
            if (window.retireIfIdle(nowMillis) && windows.remove(entry.getKey(), window)) {
                removed++;
            }
        }
        return removed;
    }

    /** Number of keys with state held. */
    public int trackedKeys() {
        return windows.size();
    }

    private Window windowOf(String key) {
        Window window = windows.get(key);
        return window != null ? window : windows.computeIfAbsent(key, k -> new Window());
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        // overflow iff both operands have the sign opposite to the result
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    /** One key's fixed window; every method holds the window's monitor. */
    private static final class Window {
        private boolean anchored;
        private long start;
        private long requests;
        private long tokens;
        private int inFlight;
        private boolean retired;

        /** @return the decision, or null when this window was retired and the caller must take a fresh one */
        synchronized RateLimitDecision tryAcquire(KeyLimits limits, long reserve, long now) {
            if (retired) {
                return null;
            }
            if (!anchored || now - start >= WINDOW_MILLIS) {
                anchored = true;
                start = now;
                requests = 0;
                tokens = 0;
            }
            Limit refused = Limit.NONE;
            if (requests >= limits.rpm()) {
                refused = Limit.REQUESTS;
            } else if (reserve > limits.tpm() - tokens) {
                refused = Limit.TOKENS;
            } else if (inFlight >= limits.maxParallel()) {
                refused = Limit.PARALLEL;
            }
            if (refused != Limit.NONE) {
                long retryAfter = refused == Limit.PARALLEL
                        ? PARALLEL_RETRY_AFTER_MILLIS
                        : Math.max(1, start + WINDOW_MILLIS - now);
                return new RateLimitDecision(false, refused, retryAfter, limits.rpm(),
                        remaining(limits.rpm(), requests), limits.tpm(), remaining(limits.tpm(), tokens));
            }
            requests++;
            tokens = saturatedAdd(tokens, reserve);
            inFlight++;
            return new RateLimitDecision(true, Limit.NONE, 0, limits.rpm(), remaining(limits.rpm(), requests),
                    limits.tpm(), remaining(limits.tpm(), tokens));
        }

        synchronized void reconcile(long reserved, long actual, long acquiredAt, long now) {
            if (retired || !anchored || acquiredAt < start || now - start >= WINDOW_MILLIS) {
                return;
            }
            tokens = Math.max(0, saturatedAdd(tokens, actual - reserved));
        }

        synchronized void release() {
            if (inFlight > 0) {
                inFlight--;
            }
        }

        synchronized RateLimitDecision peek(KeyLimits limits, long now) {
            boolean expired = !anchored || now - start >= WINDOW_MILLIS;
            long usedRequests = expired ? 0 : requests;
            long usedTokens = expired ? 0 : tokens;
            Limit refused = Limit.NONE;
            if (usedRequests >= limits.rpm()) {
                refused = Limit.REQUESTS;
            } else if (usedTokens > limits.tpm()) {
                refused = Limit.TOKENS;
            } else if (inFlight >= limits.maxParallel()) {
                refused = Limit.PARALLEL;
            }
            long retryAfter = switch (refused) {
                case NONE -> 0;
                case PARALLEL -> PARALLEL_RETRY_AFTER_MILLIS;
                default -> Math.max(1, start + WINDOW_MILLIS - now);
            };
            return new RateLimitDecision(refused == Limit.NONE, refused, retryAfter, limits.rpm(),
                    remaining(limits.rpm(), usedRequests), limits.tpm(), remaining(limits.tpm(), usedTokens));
        }

        synchronized boolean retireIfIdle(long now) {
            if (!retired && inFlight == 0 && (!anchored || now - start >= WINDOW_MILLIS)) {
                retired = true;
            }
            return retired;
        }

        private static long remaining(long limit, long used) {
            return Math.max(0, limit - used);
        }
    }
}
