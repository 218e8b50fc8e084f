package dev.fastllm.gateway.e2e;

import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/responses} through the gateway with the official OpenAI Java SDK: answers and typed
 * streams relayed, the key's limits applied and settled from the Responses usage, retries and errors as
 * for chat completions.
 */
class ResponsesEndToEndTest {

    static final String CONFIG = """
            model_list:
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${b}"}
            router_settings: {num_retries: 2, allowed_fails: 0, cooldown_time: 60, routing_strategy: simple-shuffle}
            general_settings: {master_key: sk-master}
            virtual_keys:
              - {key: sk-tpm, tpm_limit: 100000}
              - {key: sk-one, rpm_limit: 1}
            """;

    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    private static ResponseCreateParams.Builder request() {
        return ResponseCreateParams.builder().model("gpt-4o-mini").instructions("Answer briefly.")
                .input("What is the capital of France?");
    }

    @Test
    void createAndItsUsageSettleTheKeysTokens() throws Exception {
        h = new Harness(CONFIG, "a", "b");
        Response response = h.sdk("sk-tpm").responses().create(request().build());
        assertFalse(response.output().isEmpty());
        ResponseUsage usage = response.usage().orElseThrow();
        assertTrue(usage.totalTokens() > 0);

        // the gateway reserved the counted prompt, then settled the provider's usage: remaining drops by it
        String body = "{\"model\":\"gpt-4o-mini\",\"instructions\":\"Answer briefly.\",\"input\":\"What is the capital of France?\"}";
        HttpResponse<String> first = h.post("/v1/responses", "sk-tpm", body);
        HttpResponse<String> second = h.post("/v1/responses", "sk-tpm", body);
        long r1 = Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        long r2 = Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        assertEquals(Harness.json(first).at("/usage/total_tokens").asLong(), r1 - r2);
        assertEquals(usage.inputTokens(), Harness.json(first).at("/usage/input_tokens").asLong());
    }

    @Test
    void streamingRelaysEveryTypedEventAndSettlesUsage() throws Exception {
        h = new Harness(CONFIG, "a", "b");
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = h.sdk("sk-master").responses().createStreaming(request().build())) {
            stream.stream().forEach(events::add);
        }
        assertTrue(events.get(0).isCreated());
        assertTrue(events.get(events.size() - 1).isCompleted());
        StringBuilder deltas = new StringBuilder();
        events.stream().filter(ResponseStreamEvent::isOutputTextDelta).forEach(e -> deltas.append(e.asOutputTextDelta().delta()));
        assertFalse(deltas.isEmpty());
        Response completed = events.get(events.size() - 1).asCompleted().response();
        assertEquals(deltas.toString(), completed.output().get(0).message().orElseThrow().content().get(0)
                .outputText().orElseThrow().text());

        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"Tell me a story\"}";
        HttpResponse<String> first = h.post("/v1/responses", "sk-tpm", body);
        assertTrue(first.body().contains("event: response.output_text.delta"), first.body());
        assertFalse(first.body().contains("[DONE]"), "the Responses API ends without [DONE]");
        HttpResponse<String> second = h.post("/v1/responses", "sk-tpm", body);
        long r1 = Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        long r2 = Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        String completedData = first.body().substring(first.body().indexOf("data: {\"type\":\"response.completed\""));
        long total = Harness.JSON.readTree(completedData.substring(6, completedData.indexOf('\n'))).at("/response/usage/total_tokens").asLong();
        assertEquals(total, r1 - r2);
    }

    @Test
    void retriesMoveToTheHealthyDeployment() throws Exception {
        h = new Harness(CONFIG, "a", "b");
        h.mock("a").options().errorRate(1.0);
        for (int i = 0; i < 6; i++) {
            assertFalse(h.sdk("sk-master").responses().create(request().build()).output().isEmpty());
        }
        assertEquals(6, h.mock("b").requests("/responses"));
        assertTrue(h.mock("a").requests("/responses") <= 1, "a failing deployment cools down after its first failure");
    }

    @Test
    void errorsAreOpenAiStyle() throws Exception {
        h = new Harness(CONFIG, "a", "b");
        var sdk = h.sdk("sk-master");
        assertThrows(NotFoundException.class, () -> sdk.responses().create(request().model("no-such-model").build()));
        HttpResponse<String> bad = h.post("/v1/responses", "sk-master", "{\"model\":\"gpt-4o-mini\"}");
        assertEquals(400, bad.statusCode());
        assertEquals("input", Harness.error(bad).get("param").asText());
        assertThrows(BadRequestException.class, () -> sdk.responses().create(ResponseCreateParams.builder()
                .model("gpt-4o-mini").input("x").maxOutputTokens(0).build()));
        var one = h.sdk("sk-one");
        one.responses().create(request().build());
        assertThrows(RateLimitException.class, () -> one.responses().create(request().build()));
        assertEquals(405, h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/v1/responses"))
                .header("Authorization", "Bearer sk-master").GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
