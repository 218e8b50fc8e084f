package dev.fastllm.agent.bootstrap;

/**
 * One thread's reusable answer of point {@code gateway.rate-limiter}: what the fast path decided for one
 * {@code tryAcquire} or {@code peek} call, read by the exit advice to build the target's own result record
 * once. Reused by every call on the thread (the limiter's methods never call each other), so a call
 * allocates nothing here.
 *
 * <p>The fields after {@link #remainingTokens} are the isolated part's bookkeeping between the enter and the
 * exit advice of one call: the twin that counts this call as running the original's body (and its stripe),
 * the point's decision and the sampled start time, and the twin's own scratch holder.
 */
public final class RateLimitAnswer {
    /** The fast path answered: the original body is skipped and the fields below are the answer. */
    public boolean answered;
    public boolean allowed;
    /** The target's own {@code RateLimitDecision.Limit} constant. */
    public Object refusedBy;
    public long retryAfterMillis;
    public long remainingRequests;
    public long remainingTokens;

    /** Non-null while the original body runs counted by this twin, which the exit must tell. */
    public Object countedIn;
    public int countedStripe;
    /** The key and clock reading of that call: the exit drops the twin's state for the key if idle then. */
    public String countedKey;
    public long countedNow;
    /** The point's decision for this call, when the exit has to report it (sampled latency). */
    public int decision;
    public long startNanos;
    /** The fast path's per-thread scratch (the twin's result holder), kept here to save a second lookup. */
    public Object scratch;

    /** True when the exit advice has something to hand back to the isolated part. */
    public boolean pending() {
        return countedIn != null || decision != 0;
    }
}
