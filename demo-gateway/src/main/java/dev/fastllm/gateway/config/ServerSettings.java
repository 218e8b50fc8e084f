package dev.fastllm.gateway.config;

import java.time.Duration;

/**
 * Settings of the gateway process itself ({@code gateway_settings}, ours).
 *
 * @param maxRequestBytes     request bodies above this answer 413
 * @param drainTimeout        how long shutdown waits for in-flight requests
 * @param idleConnectionTimeout idle upstream connections are closed after this
 * @param connectTimeout      upstream TCP connect timeout
 * @param maxRetryAfter       cap on an upstream {@code retry-after} honoured between retries
 */
public record ServerSettings(
        long maxRequestBytes,
        Duration drainTimeout,
        Duration idleConnectionTimeout,
        Duration connectTimeout,
        Duration maxRetryAfter) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            4L * 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(5),
            Duration.ofSeconds(10));
}
