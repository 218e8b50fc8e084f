package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.metrics.GatewayMetrics;
import dev.fastllm.gateway.routing.RetryPolicy;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.upstream.UpstreamClient;

import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a {@link ProxyCall} works with, named in one place: the hot paths it settles (router, limiter), the
 * upstream clients, the retry policy, timers and the wire-format helpers. Built once by {@link ProxyService}.
 */
record ProxyDependencies(
        Router router,
        KeyRateLimiter limiter,
        Map<String, UpstreamClient> clients,
        RetryPolicy retryPolicy,
        int numRetries,
        GatewayMetrics metrics,
        ScheduledExecutorService timers,
        ObjectMapper json,
        UpstreamErrors upstreamErrors) {
}
