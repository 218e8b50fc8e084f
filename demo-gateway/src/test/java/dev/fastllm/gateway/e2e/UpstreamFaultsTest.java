package dev.fastllm.gateway.e2e;

import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upstream failures answer 502 or 504 (429 for upstream rate limits) with OpenAI error JSON. */
class UpstreamFaultsTest {

    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}", timeout: 0.5}
              - model_name: dead
                litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:1/v1"}
            router_settings: {num_retries: 0, allowed_fails: 1000}
            general_settings: {master_key: sk-master}
            """;

    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void upstream500Is502() throws Exception {
        h = new Harness(CONFIG, "a");
        h.mock("a").options().errorRate(1.0);
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(502, r.statusCode());
        assertEquals("upstream_error", Harness.error(r).get("code").asText());
        var e = assertThrows(OpenAIServiceException.class, () -> h.sdk("sk-master").chat().completions()
                .create(ChatCompletionCreateParams.builder().model("m").addUserMessage("x").build()));
        assertEquals(502, e.statusCode());
    }

    @Test
    void slowUpstreamIs504() throws Exception {
        h = new Harness(CONFIG, "a");
        h.mock("a").options().latencyMillis(3_000);
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(504, r.statusCode());
        assertEquals("timeout", Harness.error(r).get("code").asText());
    }

    @Test
    void connectionResetIs502() throws Exception {
        h = new Harness(CONFIG, "a");
        h.mock("a").options().resetRate(1.0);
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(502, r.statusCode());
        Harness.error(r);
    }

    @Test
    void requestTheUpstreamReadIsNotSentAgainOnAReusedConnection() throws Exception {
        h = new Harness(CONFIG, "a");
        assertEquals(200, h.chat("sk-master", "m", "warm the pool").statusCode());
        h.mock("a").resetCounters();
        // the upstream reads the next request on the pooled keep-alive connection, then resets it
        h.mock("a").options().resetRate(1.0);
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(502, r.statusCode());
        assertEquals(1, h.mock("a").requests("/chat/completions"),
                "num_retries is 0: the upstream, which had read the request, must not receive it a second time");
    }

    @Test
    void refusedConnectionIs502() throws Exception {
        h = new Harness(CONFIG, "a");
        HttpResponse<String> r = h.chat("sk-master", "dead", "x");
        assertEquals(502, r.statusCode());
        assertEquals("connect", Harness.error(r).get("code").asText());
    }

    @Test
    void upstream429IsRelayedAs429WithRetryAfter() throws Exception {
        h = new Harness(CONFIG, "a");
        h.mock("a").options().rateLimitRate(1.0);
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(429, r.statusCode());
        assertEquals("rate_limit_error", Harness.error(r).get("type").asText());
        assertTrue(r.headers().firstValue("retry-after").isPresent());
    }

    @Test
    void streamBrokenMidwayEndsWithAnErrorEvent() throws Exception {
        h = new Harness(CONFIG, "a");
        // chunks 200 ms apart within a 500 ms idle timeout: the stream flows; then the mock dies mid-stream
        h.mock("a").options().chunkDelayMillis(200).streamChunks(20);
        var future = h.http.sendAsync(java.net.http.HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-master")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(Harness.chatBody("m", "long stream", ",\"stream\":true")))
                .build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(700);
        h.mock("a").close();
        HttpResponse<String> r = future.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"error\""), r.body());
        assertTrue(r.body().contains("The upstream stream broke"), r.body());
    }

    @Test
    void recoversAfterFaultsStop() throws Exception {
        h = new Harness(CONFIG, "a");
        h.mock("a").options().errorRate(1.0);
        assertEquals(502, h.chat("sk-master", "m", "x").statusCode());
        h.mock("a").options().errorRate(0);
        assertEquals(200, h.chat("sk-master", "m", "x").statusCode());
    }
}
