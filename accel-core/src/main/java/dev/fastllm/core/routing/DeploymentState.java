package dev.fastllm.core.routing;

import java.util.Arrays;

/**
 * What a router holds for one deployment of a group apart from its requests in flight: the usage minute the
 * group last counted ({@code floor(nowMillis / 60 000)}; {@link Long#MIN_VALUE} before any) with the
 * deployment's requests and tokens in it, its failure window (the reading of the failure that opened it and
 * the failures counted since; count 0: none), its cooldown end ({@link Long#MIN_VALUE}: never cooled), and
 * its last successful latencies, oldest first, at most {@link FastRouter#LATENCY_SAMPLES}.
 *
 * <p>What one router hands another when a group moves between them: {@link FastRouter#state} reads it,
 * {@link FastRouter#takeOver} adds it to a router's own, {@link FastRouter#forget} clears it where it was.
 */
public record DeploymentState(long minute, long requests, long tokens, long failStart, int failCount,
                              long coolUntil, long[] latencies) {

    public DeploymentState {
        if (latencies.length > FastRouter.LATENCY_SAMPLES) {
            latencies = Arrays.copyOfRange(latencies, latencies.length - FastRouter.LATENCY_SAMPLES, latencies.length);
        } else {
            latencies = latencies.clone();
        }
    }

    /** The latencies, oldest first (a copy). */
    @Override
    public long[] latencies() {
        return latencies.clone();
    }

    /**
     * The failure window a router keeps when it takes over a window ({@code aStart}, {@code aCount}) beside
     * its own ({@code bStart}, {@code bCount}), as {@code {start, count}}: either one alone when the other
     * counts nothing; else the later one when it opened a minute or more after the earlier one (one router
     * seeing both would have opened a new window at its first failure); else the earlier window's start
     * with both counts, at most {@code allowedFails} (one more failure then cools the deployment down). Exact
     * when one side counted nothing, which is the case whenever every move hands everything over; two live
     * windows arise only from calls a fallback answered on the side that did not own the group.
     */
    public static long[] joinFailures(long aStart, int aCount, long bStart, int bCount, int allowedFails) {
        if (aCount <= 0) {
            return new long[] {bStart, Math.max(0, bCount)};
        }
        if (bCount <= 0) {
            return new long[] {aStart, aCount};
        }
        long earlier = Math.min(aStart, bStart);
        long later = Math.max(aStart, bStart);
        if (later - earlier >= FastRouter.MINUTE_MILLIS) {
            return aStart == later ? new long[] {aStart, aCount} : new long[] {bStart, bCount};
        }
        return new long[] {earlier, Math.min((long) aCount + bCount, Math.max(0, allowedFails))};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeploymentState s && minute == s.minute && requests == s.requests && tokens == s.tokens
                && failStart == s.failStart && failCount == s.failCount && coolUntil == s.coolUntil
                && Arrays.equals(latencies, s.latencies);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(minute) * 31 + Long.hashCode(requests) * 17 + Long.hashCode(tokens)
                + Arrays.hashCode(latencies);
    }

    @Override
    public String toString() {
        return "DeploymentState[minute=" + minute + ", requests=" + requests + ", tokens=" + tokens + ", failStart="
                + failStart + ", failCount=" + failCount + ", coolUntil=" + coolUntil + ", latencies="
                + Arrays.toString(latencies) + "]";
    }
}
