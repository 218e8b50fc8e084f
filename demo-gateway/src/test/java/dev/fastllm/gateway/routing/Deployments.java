package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.RouterSettings;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Test fixtures: deployments and settings. */
final class Deployments {

    private Deployments() {
    }

    static Deployment deployment(String group, String id) {
        return deployment(group, id, null, null, null);
    }

    static Deployment deployment(String group, String id, Long rpm, Long tpm, Long weight) {
        return new Deployment(group, id, "openai", "gpt-4o-mini", URI.create("http://127.0.0.1:1/v1"), false, null,
                rpm == null ? OptionalLong.empty() : OptionalLong.of(rpm),
                tpm == null ? OptionalLong.empty() : OptionalLong.of(tpm),
                weight == null ? OptionalLong.empty() : OptionalLong.of(weight),
                Duration.ofSeconds(30), 10, OptionalInt.empty());
    }

    static RouterSettings settings(String strategy) {
        return settings(strategy, 3, 5);
    }

    static RouterSettings settings(String strategy, int allowedFails, long cooldownSeconds) {
        return new RouterSettings(strategy, 2, Map.of(), allowedFails, Duration.ofSeconds(cooldownSeconds),
                Duration.ofSeconds(600));
    }

    static Router router(String strategy, List<Deployment> deployments) {
        return new Router(Map.of(deployments.get(0).group(), deployments), settings(strategy), 42L);
    }
}
