package dev.fastllm.agent;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real demo-gateway.jar in a child JVM on the tests' config ({@code tokens-gateway.yaml}), with or without
 * the agent, ready when its liveliness probe answers. Gives an OpenAI SDK client, raw HTTP, and the agent's
 * Prometheus metrics.
 */
final class GatewayProcess implements AutoCloseable {

    static final String KEY = "sk-test";

    final ChildJvm jvm;
    final int port;
    final int metricsPort;
    final OpenAIClient sdk;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayProcess(ChildJvm jvm, int port, int metricsPort) {
        this.jvm = jvm;
        this.port = port;
        this.metricsPort = metricsPort;
        this.sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey(KEY)
                .maxRetries(0).timeout(Duration.ofSeconds(30)).build();
    }

    static Path config() throws IOException {
        Path p = Path.of("target", "tokens-gateway.yaml");
        try (InputStream in = GatewayProcess.class.getResourceAsStream("/tokens-gateway.yaml")) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p.toAbsolutePath();
    }

    /**
     * The gateway jar's mock provider in its own JVM on {@code port}, answering after 1 s (requests hold slots);
     * returns once it listens.
     */
    static ChildJvm slowMock(String name, int port) throws IOException, InterruptedException {
        ChildJvm mock = ChildJvm.spec().jar(ChildJvm.GATEWAY_JAR, "mock", "--port", Integer.toString(port),
                "--latency-ms", "1000").start(name);
        long end = System.currentTimeMillis() + 60_000;
        while (true) { // a gateway started before its mock listens would answer its first requests 502
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                return mock;
            } catch (IOException notYet) {
                if (System.currentTimeMillis() > end || !mock.alive()) {
                    mock.close();
                    throw new IOException("the mock did not listen on " + port + ": " + mock.describe());
                }
                Thread.sleep(50);
            }
        }
    }

    /** A config from the test resources, written to {@code target/} with each {@code ${NAME}} replaced. */
    static Path config(String resource, java.util.Map<String, String> values) throws IOException {
        Path p = Path.of("target", resource).toAbsolutePath();
        try (InputStream in = GatewayProcess.class.getResourceAsStream("/" + resource)) {
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (java.util.Map.Entry<String, String> e : values.entrySet()) {
                text = text.replace("${" + e.getKey() + "}", e.getValue());
            }
            Files.writeString(p, text);
        }
        return p;
    }

    /** Without the agent. */
    static GatewayProcess plain(String name, Path javaHome) throws Exception {
        return start(name, ChildJvm.spec().javaHome(javaHome), -1);
    }

    /**
     * With the agent and its metrics endpoint on a free port; {@code spec} may carry agent arguments,
     * properties and environment already.
     */
    static GatewayProcess withAgent(String name, ChildJvm.Spec spec) throws Exception {
        int metrics = ChildJvm.freePort();
        spec.env("FAST_LLM_METRICS_PORT", Integer.toString(metrics));
        return start(name, spec, metrics);
    }

    /** On another config; with the agent's metrics endpoint when {@code spec} carries the agent. */
    static GatewayProcess onConfig(String name, ChildJvm.Spec spec, Path config, boolean agent) throws Exception {
        if (!agent) {
            return start(name, spec, -1, config);
        }
        int metrics = ChildJvm.freePort();
        spec.env("FAST_LLM_METRICS_PORT", Integer.toString(metrics));
        return start(name, spec, metrics, config);
    }

    private static GatewayProcess start(String name, ChildJvm.Spec spec, int metricsPort) throws Exception {
        return start(name, spec, metricsPort, config());
    }

    private static GatewayProcess start(String name, ChildJvm.Spec spec, int metricsPort, Path config)
            throws Exception {
        int port = ChildJvm.freePort();
        ChildJvm jvm = spec.jar(ChildJvm.GATEWAY_JAR, "--config", config.toString(), "--port", Integer.toString(port))
                .start(name);
        GatewayProcess g = new GatewayProcess(jvm, port, metricsPort);
        try {
            g.awaitLive();
        } catch (Throwable t) {
            g.close();
            throw t;
        }
        return g;
    }

    /**
     * A test application that embeds the gateway, started as {@code main} on {@code classpath} with the
     * arguments {@code config port}; with the agent's metrics on a free port when {@code spec} has the agent.
     */
    static GatewayProcess embedded(String name, ChildJvm.Spec spec, boolean agentMetrics, java.util.List<Path> classpath,
                                   String main, Path config) throws Exception {
        int metrics = agentMetrics ? ChildJvm.freePort() : -1;
        if (agentMetrics) {
            spec.env("FAST_LLM_METRICS_PORT", Integer.toString(metrics));
        }
        int port = ChildJvm.freePort();
        GatewayProcess g = new GatewayProcess(spec.main(classpath, main, config.toString(), Integer.toString(port))
                .start(name), port, metrics);
        try {
            g.awaitLive();
        } catch (Throwable t) {
            g.close();
            throw t;
        }
        return g;
    }

    private void awaitLive() throws Exception {
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            try {
                HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + port + "/health/liveliness"));
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.currentTimeMillis() > end || !jvm.alive()) {
                throw new AssertionError("gateway did not start: " + jvm.describe());
            }
            Thread.sleep(100);
        }
    }

    HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return post(path, json, KEY);
    }

    /** A POST with another virtual key. */
    HttpResponse<String> post(String path, String json, String key) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The agent's Prometheus text. */
    String metrics() throws IOException, InterruptedException {
        return metrics(metricsPort);
    }

    String metrics(int onPort) throws IOException, InterruptedException {
        HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + onPort + "/metrics"));
        if (r.statusCode() != 200) {
            throw new AssertionError("metrics answered " + r.statusCode());
        }
        return r.body();
    }

    /** A series' value in Prometheus text, e.g. {@code calls("fast")}; fails when absent. */
    static double value(String prometheusText, String name, String labelsContain) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(prometheusText);
        while (m.find()) {
            if (m.group(1).contains(labelsContain)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no " + name + "{" + labelsContain + "} in\n" + prometheusText);
    }

    /** {@code fastllm_calls_total} of gateway.tokens on one path. */
    static double tokensCalls(String prometheusText, String path) {
        return value(prometheusText, "fastllm_calls_total", "path=\"" + path + "\",point=\"gateway.tokens\"");
    }

    static double tokensSeries(String prometheusText, String name) {
        return value(prometheusText, name, "point=\"gateway.tokens\"");
    }

    @Override
    public void close() {
        try {
            sdk.close();
        } finally {
            jvm.close();
        }
    }
}
