package dev.fastllm.fallback;

import dev.fastllm.fallback.jmx.PointMBeans;
import dev.fastllm.fallback.metrics.PointMeters;
import dev.fastllm.fallback.metrics.PrometheusEndpoint;
import dev.fastllm.fallback.settings.Settings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanServer;

/**
 * What the agent's {@code premain} starts: reads the settings, applies them to the registry of points,
 * binds the metrics and serves them if {@code FAST_LLM_METRICS_PORT} is set. MBeans are registered by a
 * separate call, {@link #registerMBeans}, because creating the platform MBean server loads
 * {@code java.util.logging.LogManager}: done in {@code premain} it would fix the log manager before an
 * application that sets {@code java.util.logging.manager} in its own {@code main} can choose it.
 * Every step that fails is reported through {@link Warnings} and skipped; nothing here throws.
 */
public final class FallbackRuntime implements AutoCloseable {

    private final Points points;
    private final Settings settings;
    private final Warnings warnings;
    private final PrometheusMeterRegistry meterRegistry;
    private final PrometheusEndpoint endpoint;

    private FallbackRuntime(Points points, Settings settings, Warnings warnings,
                            PrometheusMeterRegistry meterRegistry, PrometheusEndpoint endpoint) {
        this.points = points;
        this.settings = settings;
        this.warnings = warnings;
        this.meterRegistry = meterRegistry;
        this.endpoint = endpoint;
    }

    /**
     * Starts with the process-wide {@link Points#global()} registry, the real system properties and
     * environment, and warnings on standard error. Call {@link #registerMBeans} for JMX.
     */
    public static FallbackRuntime start(String agentArgs) {
        Warnings w = Warnings.STDERR;
        return start(Points.global(), Settings.fromSystem(agentArgs, w), w);
    }

    /** Starts on the given registry and settings (without JMX, see {@link #registerMBeans}). */
    public static FallbackRuntime start(Points points, Settings settings, Warnings warnings) {
        Warnings w = warnings == null ? Warnings.STDERR : warnings;
        try {
            points.configure(settings);
        } catch (Throwable t) {
            w.warn("could not apply settings: " + t);
        }
        // Micrometer and the Prometheus client are built only when something will read them: they are ~170
        // classes, a measurable share of the agent's start-up, and nothing else uses them.
        PrometheusMeterRegistry registry = null;
        if (settings.metricsPort() >= 0) {
            try {
                registry = PrometheusEndpoint.newRegistry();
                PointMeters.bind(registry, points);
            } catch (Throwable t) {
                w.warn("metrics disabled: " + t);
            }
        }
        PrometheusEndpoint endpoint = null;
        if (registry != null) {
            try {
                endpoint = PrometheusEndpoint.start(settings.metricsHost(), settings.metricsPort(), registry);
            } catch (Throwable t) {
                w.warn("metrics endpoint on " + (settings.metricsHost() == null ? "loopback" : settings.metricsHost())
                        + ":" + settings.metricsPort() + " did not start: " + t);
            }
        }
        return new FallbackRuntime(points, settings, w, registry, endpoint);
    }

    /**
     * Registers one MBean per point, now and for points declared later; null means the platform server.
     * The agent should call this once the application has started (e.g. from a daemon thread after a short
     * delay, or when the application first creates the platform server), not in {@code premain}.
     */
    public void registerMBeans(MBeanServer server) {
        try {
            PointMBeans.register(server == null ? ManagementFactory.getPlatformMBeanServer() : server, points);
        } catch (Throwable t) {
            warnings.warn("JMX disabled: " + t);
        }
    }

    public Points points() {
        return points;
    }

    public Settings settings() {
        return settings;
    }

    /** The registry the metrics are bound to, or null when no metrics port was set or metrics could not start. */
    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The Prometheus endpoint, or null when none was asked for or it could not start. */
    public PrometheusEndpoint endpoint() {
        return endpoint;
    }

    /**
     * One line per point for the start log, prefixed {@code [fast-llm]}; the agent reports targets first
     * through {@link Point#markApplied} / {@link Point#markAbsent}.
     */
    public List<String> statusLines() {
        List<String> lines = new ArrayList<>();
        for (String s : points.statusLines()) {
            lines.add("[fast-llm] " + s);
        }
        if (endpoint != null) {
            String host = endpoint.address().getHostString();
            if (host.indexOf(':') >= 0) {
                host = "[" + host + "]"; // an IPv6 literal in a URL
            }
            lines.add("[fast-llm] metrics on http://" + host + ":" + endpoint.port() + "/metrics");
        }
        return lines;
    }

    /** Stops the endpoint. Points keep working. */
    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
    }
}
