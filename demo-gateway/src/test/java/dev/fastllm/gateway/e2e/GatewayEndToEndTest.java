package dev.fastllm.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway in front of the mock provider, called with the official OpenAI Java SDK. */
class GatewayEndToEndTest {

    static final String CONFIG = """
            model_list:
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}", api_key: sk-upstream}
                model_info: {id: mini-a}
              - model_name: gpt-4o-mini
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}", api_key: sk-upstream}
                model_info: {id: mini-b}
              - model_name: gpt-3.5-turbo
                litellm_params: {model: gpt-3.5-turbo, api_base: "${a}"}
              - model_name: text-embedding-3-small
                litellm_params: {model: openai/text-embedding-3-small, api_base: "${a}"}
            general_settings: {master_key: sk-master}
            virtual_keys:
              - key: sk-only-35
                key_alias: only-35
                models: [gpt-3.5-turbo]
            """;

    static Harness h;
    static OpenAIClient master;

    @BeforeAll
    static void start() throws Exception {
        h = new Harness(CONFIG, "a");
        master = h.sdk("sk-master");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static ChatCompletionCreateParams.Builder ask(String model, String text) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(text);
    }

    @Test
    void chatCompletionThroughTheGateway() {
        ChatCompletion c = master.chat().completions().create(ask("gpt-4o-mini", "hello through the gateway").build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertTrue(content.contains("hello through the gateway"), content);
        var usage = c.usage().orElseThrow();
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        assertTrue(usage.completionTokens() > 0);
    }

    @Test
    void streamingRelaysEveryChunkAndTheSameText() {
        ChatCompletion plain = master.chat().completions().create(ask("gpt-4o-mini", "stream me").build());
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = master.chat().completions()
                .createStreaming(ask("gpt-4o-mini", "stream me").build())) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        assertEquals(plain.choices().get(0).message().content().orElseThrow(), text.toString());
        // role chunk + 4 content chunks + finish chunk; the usage event the gateway asked for is not relayed
        assertEquals(6, chunks.size());
        assertTrue(chunks.stream().allMatch(c -> c.usage().isEmpty()));
    }

    @Test
    void streamingKeepsTheUsageChunkWhenTheClientAsksForIt() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = master.chat().completions().createStreaming(
                ask("gpt-4o-mini", "with usage").streamOptions(
                        com.openai.models.chat.completions.ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            s.stream().forEach(chunks::add);
        }
        assertTrue(chunks.get(chunks.size() - 1).usage().isPresent());
    }

    @Test
    void modelsListsEveryGroupForTheMasterKeyAndOnlyAllowedOnesForAVirtualKey() {
        List<String> all = master.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("gpt-4o-mini", "gpt-3.5-turbo", "text-embedding-3-small"), all);
        List<String> limited = h.sdk("sk-only-35").models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("gpt-3.5-turbo"), limited);
    }

    @Test
    void embeddings() {
        CreateEmbeddingResponse r = master.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").input("embed this").build());
        assertEquals(1, r.data().size());
        assertEquals(1536, r.data().get(0).embedding().size());
        assertTrue(r.usage().promptTokens() > 0);
    }

    @Test
    void authFailures() {
        assertThrows(UnauthorizedException.class, () -> h.sdk("sk-wrong").models().list());
        assertThrows(UnauthorizedException.class,
                () -> h.sdk("sk-wrong").chat().completions().create(ask("gpt-4o-mini", "x").build()));
        var e = assertThrows(PermissionDeniedException.class,
                () -> h.sdk("sk-only-35").chat().completions().create(ask("gpt-4o-mini", "x").build()));
        assertEquals(403, e.statusCode());
        ChatCompletion ok = h.sdk("sk-only-35").chat().completions().create(ask("gpt-3.5-turbo", "allowed").build());
        assertFalse(ok.choices().isEmpty());
        assertThrows(NotFoundException.class,
                () -> master.chat().completions().create(ask("no-such-model", "x").build()));
    }

    @Test
    void missingKeyAndXApiKeyHeader() throws Exception {
        HttpResponse<String> none = h.chat(null, "gpt-4o-mini", "x");
        assertEquals(401, none.statusCode());
        assertEquals("authentication_error", Harness.error(none).get("type").asText());
        var viaHeader = h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/v1/models"))
                .header("x-api-key", "sk-master").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, viaHeader.statusCode());
    }

    @Test
    void gatewayHeadersOnEveryAnswer() throws Exception {
        HttpResponse<String> r = h.chat("sk-master", "gpt-4o-mini", "headers please");
        assertEquals(200, r.statusCode());
        String id = r.headers().firstValue("x-gateway-model-id").orElseThrow();
        assertTrue(id.equals("mini-a") || id.equals("mini-b"), id);
        assertEquals("0", r.headers().firstValue("x-gateway-attempted-retries").orElseThrow());
        long overhead = Long.parseLong(r.headers().firstValue("x-gateway-overhead-ms").orElseThrow());
        assertTrue(overhead >= 0);
        JsonNode body = Harness.json(r);
        assertEquals("chat.completion", body.get("object").asText());
    }

    @Test
    void upstreamReceivesTheDeploymentModelAndKey() throws Exception {
        // /chat/completions without the /v1 prefix is served too
        HttpResponse<String> r = h.post("/chat/completions", "sk-master", Harness.chatBody("gpt-4o-mini", "which model", ""));
        assertEquals(200, r.statusCode());
        assertEquals("gpt-4o-mini", Harness.json(r).get("model").asText());
    }

    @Test
    void healthAndMetrics() throws Exception {
        var live = h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/health/liveliness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
        var ready = h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/health/readiness")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        h.chat("sk-master", "gpt-3.5-turbo", "count me");
        var metrics = h.http.send(java.net.http.HttpRequest.newBuilder(h.uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("gateway_requests_total{model_group=\"gpt-3.5-turbo\",route=\"chat_completions\",status=\"200\"}"),
                metrics.body());
        assertTrue(metrics.body().contains("gateway_pool_connections"));
        assertFalse(metrics.body().contains("sk-master"));
    }
}
