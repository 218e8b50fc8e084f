package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.RouterSettings;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * When and how long to wait before trying a request again, and where to go once a group's retries are spent:
 * LiteLLM's {@code num_retries} and {@code fallbacks}, with the OpenAI SDKs' backoff (exponential from
 * {@value #BASE_BACKOFF_MILLIS} ms, doubling per attempt up to {@value #MAX_BACKOFF_MILLIS} ms, minus up to 25 %
 * jitter), an upstream {@code retry-after} honoured up to a cap. Immutable and thread-safe.
 */
public final class RetryPolicy {

    public static final long BASE_BACKOFF_MILLIS = 500;
    public static final long MAX_BACKOFF_MILLIS = 8_000;
    /** Wildcard {@code fallbacks} entry: used by groups that have none of their own. */
    public static final String ANY_GROUP = "*";

    private final int numRetries;
    private final Map<String, List<String>> fallbacks;
    private final long maxRetryAfterMillis;

    /**
     * @param settings      {@code num_retries} and {@code fallbacks}
     * @param maxRetryAfter cap on an upstream {@code retry-after} ({@code ServerSettings.maxRetryAfter})
     */
    public RetryPolicy(RouterSettings settings, Duration maxRetryAfter) {
        this.numRetries = Math.max(0, settings.numRetries());
        this.fallbacks = Map.copyOf(settings.fallbacks());
        this.maxRetryAfterMillis = Math.max(0, maxRetryAfter.toMillis());
    }

    /** Retries within a group after its first attempt. */
    public int numRetries() {
        return numRetries;
    }

    /**
     * True when an attempt that ended with {@code status} may be retried: 0 (connection error or timeout),
     * 408, 409, 429 and 5xx, the statuses the OpenAI SDKs and LiteLLM retry.
     */
    public boolean retryable(int status) {
        return status == 0 || status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
    }

    /**
     * How long to wait before retry number {@code attempt} (1 for the first retry).
     *
     * @param retryAfterMillisOrMinus1 the upstream's {@code retry-after} in ms, or a negative value when it sent
     *                                 none; when present it is used as is, capped at the configured maximum
     * @param rnd                      jitter source
     * @return {@code retry-after} capped, else {@code min(500 * 2^(attempt-1), 8000) * (1 - 0.25 * u)} with
     *         {@code u} uniform in [0, 1)
     */
    public long backoffMillis(int attempt, long retryAfterMillisOrMinus1, RandomGenerator rnd) {
        if (retryAfterMillisOrMinus1 >= 0) {
            return Math.min(retryAfterMillisOrMinus1, maxRetryAfterMillis);
        }
        int exponent = Math.min(Math.max(attempt, 1) - 1, 30);
        long backoff = Math.min(BASE_BACKOFF_MILLIS << exponent, MAX_BACKOFF_MILLIS);
        return (long) (backoff * (1 - 0.25 * rnd.nextDouble()));
    }

    /**
     * The groups to try, in order, once {@code group}'s retries are spent: its {@code fallbacks} entry (else the
     * {@value #ANY_GROUP} entry), each followed depth-first by its own fallbacks, as LiteLLM's nested fallbacks
     * run; {@code group} itself and repeats are left out, so cycles end.
     */
    public List<String> fallbackChain(String group) {
        Set<String> seen = new LinkedHashSet<>();
        seen.add(group);
        collect(group, seen);
        seen.remove(group);
        return List.copyOf(seen);
    }

    private void collect(String group, Set<String> seen) {
        List<String> next = fallbacks.get(group);
        if (next == null) {
            next = fallbacks.getOrDefault(ANY_GROUP, List.of());
        }
        for (String g : next) {
            if (seen.add(g)) {
                collect(g, seen);
            }
        }
    }
}
