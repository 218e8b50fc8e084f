package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.Gateway;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.fastllm.gateway.testing.ScriptedUpstream.chunk;
import static dev.fastllm.gateway.testing.ScriptedUpstream.completion;
import static dev.fastllm.gateway.testing.ScriptedUpstream.json;
import static dev.fastllm.gateway.testing.ScriptedUpstream.sseHeadClose;
import static dev.fastllm.gateway.testing.ScriptedUpstream.usageChunk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure at any step of a request that holds a key's parallel slot and a route releases both, exactly
 * once. The key allows 2 parallel requests and one of them is held open for the whole test: a slot released
 * twice would let two more requests in at once, a slot never released would refuse the next one.
 */
class FailureReleasesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "%s", timeout: 60}
            router_settings: {num_retries: 0, allowed_fails: 1000}
            general_settings: {master_key: sk-master}
            virtual_keys:
              - {key: sk-two, max_parallel_requests: 2}
            """;

    final Semaphore releaseHeld = new Semaphore(0);
    final java.util.concurrent.CountDownLatch endOfTest = new java.util.concurrent.CountDownLatch(1);
    ScriptedUpstream upstream;
    Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<java.io.InputStream> held;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream((r, wire) -> {
            String prompt = r.json().at("/messages/0/content").asText();
            boolean stream = r.json().path("stream").asBoolean(false);
            if (prompt.equals("reset")) {
                wire.close();
            } else if (stream) {
                wire.write(sseHeadClose()).write("data: " + chunk("hi") + "\n\n");
                if (prompt.equals("hold for the whole test")) {
                    endOfTest.await();
                } else if (prompt.startsWith("hold")) {
                    releaseHeld.acquire();
                }
                wire.write("data: " + usageChunk(3, 1) + "\n\ndata: [DONE]\n\n").close();
            } else {
                wire.write(json(200, completion("hi", 3, 1)));
            }
        });
        gateway = Gateway.start(ConfigLoader.parse(String.format(Locale.ROOT, CONFIG, upstream.baseUri()), System::getenv), "127.0.0.1", 0);
        // the held request is past every step (its stream started, a first chunk arrived) before any injection
        held = http.send(request("hold for the whole test", true), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, held.statusCode());
        byte[] first = held.body().readNBytes(6);
        assertEquals("data: ", new String(first, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(1, inFlight());
    }

    @AfterEach
    void stop() throws Exception {
        ProxyService.stepProbe = null;
        releaseHeld.release(100);
        endOfTest.countDown();
        gateway.drainAndStop();
        held.body().close();
        upstream.close();
    }

    @ParameterizedTest(name = "{0}, stream={1}")
    @CsvSource({
            "admitted, false, 500", "picked, false, 500", "sent, false, 500", "head, false, 500",
            "content, false, 500", "complete, false, 500", "error, false, 500",
            "admitted, true, 500", "picked, true, 500", "head, true, 500", "content, true, 200", "complete, true, 200"})
    void aFailureAtEachStepReleasesTheSlotAndTheRouteExactlyOnce(String step, boolean stream, int status) throws Exception {
        ProxyService.stepProbe = s -> {
            if (s.equals(step)) {
                throw new IllegalStateException("injected at " + s);
            }
        };
        HttpResponse<String> failed = send(step.equals("error") ? "reset" : "fail", stream).get(10, TimeUnit.SECONDS);
        ProxyService.stepProbe = null;
        assertEquals(status, failed.statusCode(), failed.body());
        assertTrue(failed.body().contains("internal_error"), failed.body());
        waitFor(() -> inFlight() == 1, () -> "in flight: " + inFlight()); // the held request's route only

        // exactly one slot is free again: one more request may hold it, a second one is refused
        CompletableFuture<HttpResponse<String>> second = send("hold as the second", true);
        waitFor(() -> inFlight() == 2 || second.isDone());
        assertEquals(2, inFlight(), () -> "the second request was not let in: " + second.join().body());
        HttpResponse<String> third = send("one too many", false).get(10, TimeUnit.SECONDS);
        assertEquals(429, third.statusCode(), "a slot was released twice: " + third.body());
        releaseHeld.release();
        assertEquals(200, second.get(10, TimeUnit.SECONDS).statusCode());
        waitFor(() -> inFlight() == 1);
        assertEquals(200, send("after", false).get(10, TimeUnit.SECONDS).statusCode());
    }

    private int inFlight() {
        return gateway.router().inFlight("m", gateway.config().deployments().get(0).id());
    }

    private CompletableFuture<HttpResponse<String>> send(String prompt, boolean stream) throws Exception {
        return http.sendAsync(request(prompt, stream), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String prompt, boolean stream) throws Exception {
        String body = "{\"model\":\"m\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.writeValueAsString(prompt) + "}]}";
        return HttpRequest.newBuilder(URI.create(gateway.baseUri() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer sk-two")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        waitFor(condition, () -> "");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 10 s " + state.get());
            }
            Thread.sleep(5);
        }
    }
}
