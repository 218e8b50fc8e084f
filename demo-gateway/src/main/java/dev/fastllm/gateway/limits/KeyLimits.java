package dev.fastllm.gateway.limits;

import dev.fastllm.gateway.config.VirtualKey;

/**
 * The limits of one virtual key, as plain numbers: what {@link KeyRateLimiter} enforces per 60 s window.
 * An unlimited dimension is {@link Long#MAX_VALUE} (requests, tokens) or {@link Integer#MAX_VALUE} (parallel).
 *
 * @param rpm         requests admitted per window ({@code rpm_limit})
 * @param tpm         tokens reserved per window ({@code tpm_limit})
 * @param maxParallel requests in flight at once ({@code max_parallel_requests})
 */
public record KeyLimits(long rpm, long tpm, int maxParallel) {

    /** No limit on any dimension. */
    public static final KeyLimits UNLIMITED = new KeyLimits(Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);

    public KeyLimits {
        if (rpm < 0 || tpm < 0 || maxParallel < 0) {
            throw new IllegalArgumentException("limits must be non-negative: rpm=" + rpm + " tpm=" + tpm
                    + " maxParallel=" + maxParallel);
        }
    }

    /** The limits configured on {@code key}; absent ones are unlimited. */
    public static KeyLimits of(VirtualKey key) {
        return new KeyLimits(
                key.rpmLimit().orElse(Long.MAX_VALUE),
                key.tpmLimit().orElse(Long.MAX_VALUE),
                key.maxParallelRequests().orElse(Integer.MAX_VALUE));
    }

    public boolean limitsRequests() {
        return rpm != Long.MAX_VALUE;
    }

    public boolean limitsTokens() {
        return tpm != Long.MAX_VALUE;
    }

    public boolean limitsParallel() {
        return maxParallel != Integer.MAX_VALUE;
    }
}
