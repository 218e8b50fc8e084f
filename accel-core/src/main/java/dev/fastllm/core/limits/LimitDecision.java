package dev.fastllm.core.limits;

/**
 * The answer of {@link LockFreeKeyRateLimiter#tryAcquire} or {@link LockFreeKeyRateLimiter#peek}, written
 * into a holder the caller owns and reuses (one per thread), so that neither the admit nor the refuse path
 * allocates. The values are those a gateway puts in {@code retry-after} and {@code x-ratelimit-*} headers.
 *
 * <p>Besides the answer the holder carries, package-private, the key's window as the call leaves it; the
 * limiter computes it here and then encodes it into its table.
 */
public final class LimitDecision {
    boolean allowed;
    RefusedBy refusedBy = RefusedBy.NONE;
    long retryAfterMillis;
    long limitRequests;
    long remainingRequests;
    long limitTokens;
    long remainingTokens;

    // the key's window after the call (scratch for the limiter)
    boolean nextAnchored;
    long nextStart;
    long nextRequests;
    long nextTokens;
    int nextInFlight;
    /** true when the call changes the window (a new anchor or an admission) */
    boolean changed;

    /** True when the request was admitted (for a peek: would be). */
    public boolean allowed() {
        return allowed;
    }

    /** The limit that refused the request; {@link RefusedBy#NONE} when allowed. */
    public RefusedBy refusedBy() {
        return refusedBy;
    }

    /**
     * When refused, how long until a retry can succeed: the time to the window's end for requests and tokens,
     * {@link LockFreeKeyRateLimiter#PARALLEL_RETRY_AFTER_MILLIS} for parallel slots; 0 when allowed.
     */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** The key's requests per window, as passed in ({@link Long#MAX_VALUE} when unlimited). */
    public long limitRequests() {
        return limitRequests;
    }

    /** Requests left in the current window after this decision. */
    public long remainingRequests() {
        return remainingRequests;
    }

    /** The key's tokens per window, as passed in ({@link Long#MAX_VALUE} when unlimited). */
    public long limitTokens() {
        return limitTokens;
    }

    /** Tokens left in the current window after this decision. */
    public long remainingTokens() {
        return remainingTokens;
    }

    @Override
    public String toString() {
        return "LimitDecision[allowed=" + allowed + ", refusedBy=" + refusedBy + ", retryAfterMillis="
                + retryAfterMillis + ", limitRequests=" + limitRequests + ", remainingRequests=" + remainingRequests
                + ", limitTokens=" + limitTokens + ", remainingTokens=" + remainingTokens + "]";
    }
}
