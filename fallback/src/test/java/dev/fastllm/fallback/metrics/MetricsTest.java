package dev.fastllm.fallback.metrics;

import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.ManualClock;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.RecordingWarnings;
import dev.fastllm.fallback.settings.Settings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

    private final ManualClock clock = new ManualClock();
    private final Points points = new Points(Settings.load("metrics.latency-sample=100,breaker.failures=2", null, null,
            new RecordingWarnings()), clock, new RecordingWarnings());
    private final PrometheusMeterRegistry registry = PrometheusEndpoint.newRegistry();
    private PrometheusEndpoint endpoint;

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        registry.close();
    }

    private static String fast(String s) {
        return "fast";
    }

    private static String original(String s) {
        return "original";
    }

    private static String decline(String s) {
        return null;
    }

    private static String explode(String s) {
        throw new IllegalStateException("bug");
    }

    private double count(String name, String point, String tag, String value) {
        return registry.get(name).tag("point", point).tag(tag, value).functionCounter().count();
    }

    /** 3 fast, 1 declined, 2 errors (opening the breaker), then 4 original while open. */
    private Point exercise() {
        Point p = points.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        for (int i = 0; i < 3; i++) {
            p.call("x", MetricsTest::fast, MetricsTest::original);
        }
        p.call("x", MetricsTest::decline, MetricsTest::original);
        p.call("x", MetricsTest::explode, MetricsTest::original);
        p.call("x", MetricsTest::explode, MetricsTest::original);
        for (int i = 0; i < 4; i++) {
            p.call("x", MetricsTest::fast, MetricsTest::original);
        }
        Point s = points.declare("shadow.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(100));
        s.call("x", MetricsTest::fast, MetricsTest::original);
        s.call("x", MetricsTest::original, MetricsTest::original);
        return p;
    }

    @Test
    void valuesReadBackFromTheRegistry() {
        PointMeters.bind(registry, points); // before declaration: later points are bound too
        exercise();
        assertEquals(3, count("fastllm.calls", "test.tokens", "path", "fast"));
        assertEquals(3, count("fastllm.calls", "test.tokens", "path", "fallback"));
        assertEquals(4, count("fastllm.calls", "test.tokens", "path", "original"));
        assertEquals(0, count("fastllm.calls", "test.tokens", "path", "shadow"));
        assertEquals(2, count("fastllm.calls", "shadow.tokens", "path", "shadow"));
        assertEquals(2, registry.get("fastllm.errors").tag("point", "test.tokens").functionCounter().count());
        assertEquals(1, registry.get("fastllm.declines").tag("point", "test.tokens").functionCounter().count());
        assertEquals(1, registry.get("fastllm.shadow.mismatches").tag("point", "shadow.tokens").functionCounter().count());
        assertEquals(1, registry.get("fastllm.breaker.state").tag("point", "test.tokens").gauge().value());
        assertEquals(1, count("fastllm.breaker.transitions", "test.tokens", "to", "open"));
        assertEquals(0, count("fastllm.breaker.transitions", "test.tokens", "to", "closed"));
        assertEquals(100, registry.get("fastllm.rollout.percent").tag("point", "test.tokens").gauge().value());
        assertEquals(3, registry.get("fastllm.latency").tag("point", "test.tokens").tag("path", "fast").timer().count());
        assertEquals(3, registry.get("fastllm.latency").tag("point", "test.tokens").tag("path", "fallback").timer().count());
        assertEquals(4, registry.get("fastllm.latency").tag("point", "test.tokens").tag("path", "original").timer().count());
        assertEquals(2, registry.get("fastllm.latency").tag("point", "shadow.tokens").tag("path", "shadow").timer().count());
    }

    @Test
    void latencyIsSampledNotTimedForEveryCall() {
        Points sampled = new Points(Settings.load("metrics.latency-sample=1", null, null, new RecordingWarnings()),
                clock, new RecordingWarnings());
        Point p = sampled.declare("test.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        PointMeters.bind(registry, sampled);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            p.call("x", MetricsTest::fast, MetricsTest::original);
        }
        long samples = registry.get("fastllm.latency").tag("path", "fast").timer().count();
        assertEquals(n, p.calls(dev.fastllm.fallback.Path.FAST));
        assertTrue(samples > 500 && samples < 1500, "1% of 100000 calls sampled, got " + samples);
    }

    @Test
    void servedOverHttpInThePrometheusFormat() throws IOException {
        PointMeters.bind(registry, points);
        exercise();
        endpoint = PrometheusEndpoint.start(null, 0, registry);
        assertTrue(endpoint.address().getAddress().isLoopbackAddress());
        URL url = new URL("http://127.0.0.1:" + endpoint.port() + "/metrics");
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        assertEquals(200, c.getResponseCode());
        assertTrue(c.getContentType().startsWith("text/plain"), c.getContentType());
        String body;
        try (InputStream in = c.getInputStream()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(body.contains("fastllm_calls_total{component=\"tokens\",path=\"fast\",point=\"test.tokens\"} 3.0"), body);
        assertTrue(body.contains("fastllm_calls_total{component=\"tokens\",path=\"fallback\",point=\"test.tokens\"} 3.0"), body);
        assertTrue(body.contains("fastllm_errors_total{component=\"tokens\",point=\"test.tokens\"} 2.0"), body);
        assertTrue(body.contains("fastllm_shadow_mismatches_total{component=\"tokens\",point=\"shadow.tokens\"} 1.0"), body);
        assertTrue(body.contains("fastllm_breaker_state{component=\"tokens\",point=\"test.tokens\"} 1.0"), body);
        assertTrue(body.contains("fastllm_breaker_transitions_total{component=\"tokens\",point=\"test.tokens\",to=\"open\"} 1.0"), body);
        assertTrue(body.contains("fastllm_latency_seconds_count{component=\"tokens\",path=\"original\",point=\"test.tokens\"} 4"), body);

        HttpURLConnection other = (HttpURLConnection) new URL("http://127.0.0.1:" + endpoint.port() + "/other").openConnection();
        assertEquals(404, other.getResponseCode());
        HttpURLConnection post = (HttpURLConnection) url.openConnection();
        post.setRequestMethod("POST");
        post.setDoOutput(true);
        post.getOutputStream().close();
        assertEquals(405, post.getResponseCode());
    }

    @Test
    void endpointThreadsAreDaemons() throws IOException {
        endpoint = PrometheusEndpoint.start(null, 0, registry);
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + endpoint.port() + "/metrics").openConnection();
        assertEquals(200, c.getResponseCode());
        int checked = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("HTTP-Dispatcher") || t.getName().startsWith("fast-llm-metrics")) {
                assertTrue(t.isDaemon(), t.getName() + " is not a daemon");
                checked++;
            }
        }
        assertTrue(checked >= 2, "dispatcher and handler threads found: " + checked);
    }
}
