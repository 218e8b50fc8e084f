package dev.fastllm.gateway.limits;

/**
 * The answer of {@link KeyRateLimiter#tryAcquire} or {@link KeyRateLimiter#peek}: whether the request may
 * go on, and the numbers a gateway puts in {@code retry-after} and {@code x-ratelimit-*} headers.
 *
 * @param allowed           true when the request was admitted (or, for a peek, would be)
 * @param rejectedBy        the limit that refused the request; {@link Limit#NONE} when allowed
 * @param retryAfterMillis  when refused, how long until a retry can succeed: the time to the window's end for
 *                          requests and tokens, {@link KeyRateLimiter#PARALLEL_RETRY_AFTER_MILLIS} for parallel
 *                          slots; 0 when allowed
 * @param limitRequests     the key's requests per window ({@link Long#MAX_VALUE} when unlimited)
 * @param remainingRequests requests left in the current window after this decision
 * @param limitTokens       the key's tokens per window ({@link Long#MAX_VALUE} when unlimited)
 * @param remainingTokens   tokens left in the current window after this decision
 */
public record RateLimitDecision(
        boolean allowed,
        Limit rejectedBy,
        long retryAfterMillis,
        long limitRequests,
        long remainingRequests,
        long limitTokens,
        long remainingTokens) {

    /** Which limit refused a request. */
    public enum Limit {
        NONE, REQUESTS, TOKENS, PARALLEL
    }

    /** {@code retry-after} in whole seconds, rounded up, at least 1 when refused. */
    public long retryAfterSeconds() {
        return allowed ? 0 : Math.max(1, (retryAfterMillis + 999) / 1000);
    }
}
