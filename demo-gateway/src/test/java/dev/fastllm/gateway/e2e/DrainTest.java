package dev.fastllm.gateway.e2e;

import dev.fastllm.gateway.mock.MockOptions;
import dev.fastllm.gateway.mock.MockProvider;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shutdown drains: requests in flight, streams included, finish before the gateway stops. */
class DrainTest {

    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
            general_settings: {master_key: sk-master}
            gateway_settings: {drain_timeout: 20}
            """;

    @Test
    void drainLetsAStreamAndAPlainRequestFinish() throws Exception {
        Harness h = new Harness(CONFIG, "a");
        try {
            h.mock("a").options().streamChunks(5).chunkDelayMillis(300);
            CompletableFuture<HttpResponse<String>> stream = h.http.sendAsync(streamRequest(h.gateway.baseUri()),
                    HttpResponse.BodyHandlers.ofString());
            waitFor(() -> h.mock("a").totalRequests() >= 1);
            Thread.sleep(200); // the stream has started flowing
            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(h.gateway::drainAndStop);
            Thread.sleep(200);
            // the listener is closed while draining: new connections are refused
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", h.gateway.port()).close());
            HttpResponse<String> r = stream.get(20, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
            assertEquals(5, countContentChunks(r.body()));
            assertTrue(drained.get(20, TimeUnit.SECONDS), "drain reported requests cut off");
        } finally {
            h.close();
        }
    }

    /** The real process: SIGTERM while a stream is in flight; the client still receives the whole stream. */
    @Test
    void sigtermDrainsTheProcess() throws Exception {
        try (MockProvider mock = MockProvider.start("127.0.0.1", 0, new MockOptions().streamChunks(6).chunkDelayMillis(250))) {
            Path config = Files.createTempFile("gateway", ".yaml");
            Files.writeString(config, CONFIG.replace("${a}", mock.baseUri().toString()));
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(java.toString(), "-cp", classpath, "dev.fastllm.gateway.GatewayMain",
                    "--config", config.toString(), "--port", "0").redirectErrorStream(true).start();
            List<String> output = new ArrayList<>();
            try {
                int port = awaitPort(p, output);
                CompletableFuture<HttpResponse<String>> stream = HttpClient.newHttpClient().sendAsync(
                        streamRequest(URI.create("http://127.0.0.1:" + port)), HttpResponse.BodyHandlers.ofString());
                waitFor(() -> mock.totalRequests() >= 1);
                Thread.sleep(300);
                p.destroy(); // SIGTERM
                HttpResponse<String> r = stream.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().trim().endsWith("data: [DONE]"), r.body());
                assertEquals(6, countContentChunks(r.body()));
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the process did not exit after draining");
            } finally {
                p.destroyForcibly();
                Files.deleteIfExists(config);
            }
        }
    }

    private static HttpRequest streamRequest(URI base) {
        return HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-master")
                .POST(HttpRequest.BodyPublishers.ofString(Harness.chatBody("m", "drain me", ",\"stream\":true")))
                .build();
    }

    private static int countContentChunks(String body) {
        int n = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("data: {") && line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                n++;
            }
        }
        return n;
    }

    private static int awaitPort(Process p, List<String> output) throws Exception {
        Pattern listening = Pattern.compile("gateway listening on http://127\\.0\\.0\\.1:(\\d+)");
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    Matcher m = listening.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
                port.completeExceptionally(new AssertionError("gateway exited: " + output));
            } catch (java.io.IOException e) {
                port.completeExceptionally(e);
            }
        }, "gateway-output");
        reader.setDaemon(true);
        reader.start();
        return port.get(30, TimeUnit.SECONDS);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(10);
        }
    }
}
