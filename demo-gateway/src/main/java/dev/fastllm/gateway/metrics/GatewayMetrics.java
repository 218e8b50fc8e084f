package dev.fastllm.gateway.metrics;

import dev.fastllm.gateway.upstream.ConnectionPool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The gateway's own metrics, exposed as Prometheus text on {@code GET /metrics}.
 *
 * <ul>
 *   <li>{@code gateway_requests_total{route,model_group,status}}: finished requests</li>
 *   <li>{@code gateway_request_duration_seconds{route,model_group}}: time to the end of the answer</li>
 *   <li>{@code gateway_upstream_errors_total{model_group,deployment,kind}}: failed upstream attempts</li>
 *   <li>{@code gateway_upstream_duration_seconds{model_group,deployment}}: upstream time per attempt</li>
 *   <li>{@code gateway_in_flight_requests}, {@code gateway_pool_connections{deployment,state}}</li>
 * </ul>
 * Label values are model groups and deployment ids from the config, never keys or prompts.
 */
public final class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public void requestEnded(String route, String group, int status, long durationNanos) {
        String g = group == null || group.isEmpty() ? "none" : group;
        Counter.builder("gateway.requests").description("Finished requests")
                .tag("route", route).tag("model_group", g).tag("status", Integer.toString(status))
                .register(registry).increment();
        Timer.builder("gateway.request.duration").description("Time from request to the end of its answer")
                .tag("route", route).tag("model_group", g)
                .register(registry).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    public void upstreamAttempt(String group, String deployment, long nanos) {
        Timer.builder("gateway.upstream.duration").description("Upstream time of one attempt")
                .tag("model_group", group).tag("deployment", deployment)
                .register(registry).record(Duration.ofNanos(nanos));
    }

    public void upstreamError(String group, String deployment, String kind) {
        Counter.builder("gateway.upstream.errors").description("Failed upstream attempts")
                .tag("model_group", group).tag("deployment", deployment).tag("kind", kind)
                .register(registry).increment();
    }

    public void inFlight(IntSupplier supplier) {
        Gauge.builder("gateway.in.flight.requests", supplier::getAsInt).description("Requests being served")
                .register(registry);
    }

    public void pool(String deployment, ConnectionPool<?> pool) {
        for (String state : new String[] {"leased", "idle", "pending"}) {
            Gauge.builder("gateway.pool.connections", pool, p -> {
                        ConnectionPool.Stats s = p.stats();
                        return switch (state) {
                            case "leased" -> s.leased();
                            case "idle" -> s.idle();
                            default -> s.pending();
                        };
                    }).description("Upstream connections by state")
                    .tag("deployment", deployment).tag("state", state).register(registry);
        }
    }

    public String scrape() {
        return registry.scrape();
    }
}
