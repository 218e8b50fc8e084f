package dev.fastllm.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code router_settings} merged with the matching {@code litellm_settings} (router settings win).
 *
 * @param routingStrategy one of {@link #STRATEGIES}
 * @param numRetries      retries within a model group after the first attempt
 * @param fallbacks       group -> groups tried in order once the group's retries are spent
 * @param allowedFails    failures within a minute before a deployment cools down
 * @param cooldownTime    how long a failed deployment is skipped
 * @param timeout         default upstream timeout for one attempt
 */
public record RouterSettings(
        String routingStrategy,
        int numRetries,
        Map<String, List<String>> fallbacks,
        int allowedFails,
        Duration cooldownTime,
        Duration timeout) {

    public static final List<String> STRATEGIES =
            List.of("simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2");

    public static final RouterSettings DEFAULTS = new RouterSettings(
            "simple-shuffle", 0, Map.of(), 3, Duration.ofSeconds(5), Duration.ofSeconds(600));
}
