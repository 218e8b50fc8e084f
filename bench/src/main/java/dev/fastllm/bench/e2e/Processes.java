package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the JVMs of a run (the two mocks and one gateway at a time), each on loopback with its output in
 * a log file, and times a gateway's start to its first answered chat completion. A port is picked free, then
 * handed to the process; since another program may bind it in between, a process counts as started only once its
 * own log says it listens there.
 */
public final class Processes {

    /** A started JVM: its process, port and log file. */
    public record Started(Process process, int port, Path log, double startupMs) {
        public long pid() {
            return process.pid();
        }
    }

    private final Path root;
    private final Path logs;
    private final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    public Processes(Path root, Path logs) {
        this.root = root;
        this.logs = logs;
    }

    public Path gatewayJar() {
        return root.resolve("demo-gateway/target/demo-gateway.jar");
    }

    public Path agentJar() {
        return root.resolve("agent/target/fast-llm-agent.jar");
    }

    /** A mock provider ({@code demo-gateway.jar mock}) with usage estimated, plus {@code flags}; waits until it listens. */
    public Started mock(String name, String... flags) throws IOException, InterruptedException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms" + Plan.HEAP, "-Xmx" + Plan.HEAP, "-jar",
                gatewayJar().toString(), "mock", "--port", Integer.toString(port), "--usage", "estimate"));
        cmd.addAll(List.of(flags));
        Path log = logs.resolve(name + ".log");
        Process p = start(cmd, Map.of(), log);
        long t0 = System.nanoTime();
        while (!Files.readString(log, StandardCharsets.UTF_8).contains("listening on http://127.0.0.1:" + port)) {
            check(p, log, t0, 60);
            Thread.sleep(20);
        }
        return new Started(p, port, log, (System.nanoTime() - t0) / 1e6);
    }

    /**
     * A gateway with {@code config}, heap {@code heap}, the agent if the variant says so and its flags in the
     * environment; returns once a chat completion with key {@code k0} was answered 200, timing that from the start.
     */
    public Started gateway(Variant variant, Path config, String heap, String logName) throws IOException, InterruptedException {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms" + heap, "-Xmx" + heap));
        if (variant.agent()) {
            cmd.add("-javaagent:" + agentJar());
        }
        cmd.addAll(List.of("-jar", gatewayJar().toString(), "--config", config.toString(), "--port", Integer.toString(port)));
        Path log = logs.resolve(logName + ".log");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest first = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + ConfigFiles.KEY_PREFIX + "0")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Workloads.body(Workloads.O200K, false, 16, "user", "Hello!")))
                .build();
        long t0 = System.nanoTime();
        Process p = start(cmd, variant.env(), log);
        while (true) { // another program may take the port first: an answer counts once our gateway listens there
            try {
                HttpResponse<Void> answer = http.send(first, HttpResponse.BodyHandlers.discarding());
                if (Files.readString(log, StandardCharsets.UTF_8).contains("listening on http://127.0.0.1:" + port)) {
                    if (answer.statusCode() == 200) {
                        break;
                    }
                    throw new IOException("the gateway answered its first request " + answer.statusCode()
                            + " (are the mocks in its config up?); see " + log);
                }
            } catch (java.net.ConnectException | java.net.http.HttpTimeoutException notYet) {
                // not listening yet
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("the gateway answered")) {
                    throw e;
                }
            }
            check(p, log, t0, 300);
            Thread.sleep(10);
        }
        return new Started(p, port, log, (System.nanoTime() - t0) / 1e6);
    }

    private Process start(List<String> cmd, Map<String, String> env, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("FAST_LLM_") || k.equals("JAVA_TOOL_OPTIONS"));
        pb.environment().putAll(env);
        Files.writeString(log.resolveSibling(log.getFileName() + ".cmd"), env + " " + String.join(" ", cmd) + "\n",
                StandardCharsets.UTF_8);
        return pb.start();
    }

    private static void check(Process p, Path log, long t0, int timeoutSeconds) throws IOException {
        if (!p.isAlive()) {
            throw new IOException("process exited " + p.exitValue() + " before serving; see " + log);
        }
        if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(timeoutSeconds)) {
            p.destroyForcibly();
            throw new IOException("process did not serve within " + timeoutSeconds + " s; see " + log);
        }
    }

    /** SIGTERM, then SIGKILL after 20 s. */
    public static void stop(Started s) throws InterruptedException {
        s.process().destroy();
        if (!s.process().waitFor(20, TimeUnit.SECONDS)) {
            s.process().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
