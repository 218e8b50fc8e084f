package dev.fastllm.gateway.config;

import java.time.Duration;

/**
 * Settings of the gateway process itself ({@code gateway_settings}, ours).
 *
 * @param maxRequestBytes       request bodies above this answer 413
 * @param drainTimeout          how long shutdown waits for in-flight requests
 * @param idleConnectionTimeout idle upstream connections are closed after this
 * @param connectTimeout        upstream TCP connect timeout
 * @param maxRetryAfter         cap on an upstream {@code retry-after} honoured between retries
 * @param clientHeaderTimeout   a client's request headers must be complete this long after its first byte
 * @param clientBodyTimeout     a client's request body must be complete this long after its headers (else 408)
 * @param clientIdleTimeout     a client connection with no request for this long is closed
 * @param clientSendTimeout     a client that takes none of its answers for this long is cut off
 */
public record ServerSettings(
        long maxRequestBytes,
        Duration drainTimeout,
        Duration idleConnectionTimeout,
        Duration connectTimeout,
        Duration maxRetryAfter,
        Duration clientHeaderTimeout,
        Duration clientBodyTimeout,
        Duration clientIdleTimeout,
        Duration clientSendTimeout) {

    public static final ServerSettings DEFAULTS = new ServerSettings(
            4L * 1024 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120),
            Duration.ofSeconds(60));
}
