package dev.fastllm.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.fastllm.gateway.tokens.PromptTokenCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Key limits, context windows, cooldowns, retries and fallbacks, seen from a client. */
class LimitsAndRoutingEndToEndTest {

    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void hugeMaxTokensCannotOverflowTheKeysTokenReservation() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                virtual_keys:
                  - {key: sk-tpm, tpm_limit: 1000}
                """, "a");
        // prompt + Long.MAX_VALUE used to wrap to a negative reservation, counted as 0: the key's tpm was bypassed
        for (String field : new String[]{"max_tokens", "max_completion_tokens"}) {
            for (String value : new String[]{"9223372036854775807", "18446744073709551617"}) {
                HttpResponse<String> r = h.post("/v1/chat/completions", "sk-tpm",
                        Harness.chatBody("m", "hello", ",\"" + field + "\":" + value));
                assertEquals(400, r.statusCode(), field + "=" + value + ": " + r.body());
                assertEquals(field, Harness.error(r).get("param").asText());
            }
        }
        assertEquals(0, h.mock("a").requests("/chat/completions"), "nothing reached the upstream");
    }

    @Test
    void keyOverItsRpmLimitGets429WithHeaders() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                virtual_keys:
                  - {key: sk-two-per-minute, rpm_limit: 2}
                """, "a");
        HttpResponse<String> first = h.chat("sk-two-per-minute", "m", "one");
        assertEquals(200, first.statusCode());
        assertEquals("2", first.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("1", first.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals(200, h.chat("sk-two-per-minute", "m", "two").statusCode());
        HttpResponse<String> third = h.chat("sk-two-per-minute", "m", "three");
        assertEquals(429, third.statusCode());
        JsonNode e = Harness.error(third);
        assertEquals("throttling_error", e.get("type").asText());
        assertEquals("429", e.get("code").asText());
        assertTrue(e.get("param").isNull());
        long retryAfter = Long.parseLong(third.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "retry-after " + retryAfter);
        assertEquals("0", third.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals(2, h.mock("a").requests("/chat/completions"), "the refused request never went upstream");
        HttpResponse<String> mistake = h.post("/v1/chat/completions", "sk-two-per-minute", "{not json");
        assertEquals(400, mistake.statusCode());
        assertEquals("2", mistake.headers().firstValue("x-ratelimit-limit-requests").orElseThrow(),
                "every answer to a limited key carries its limits");
        assertEquals("0", mistake.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertThrows(RateLimitException.class, () -> h.sdk("sk-two-per-minute").chat().completions()
                .create(ChatCompletionCreateParams.builder().model("m").addUserMessage("four").build()));
    }

    @Test
    void tokensAreReservedThenReconciledWithReportedUsage() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                virtual_keys:
                  - {key: sk-tpm, tpm_limit: 400}
                """, "a");
        PromptTokenCounter counter = new PromptTokenCounter();
        String extra = ",\"max_tokens\":150";
        String body = Harness.chatBody("m", "count my tokens", extra);
        long prompt = counter.countChat("gpt-4o-mini", Harness.JSON.readTree(body).get("messages"), null);
        long reserve = prompt + 150;

        HttpResponse<String> first = h.post("/v1/chat/completions", "sk-tpm", body);
        assertEquals(200, first.statusCode());
        assertEquals(400 - reserve, Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()),
                "at admission the full reservation is counted");
        long used1 = Harness.json(first).get("usage").get("total_tokens").asLong();

        // streaming: the usage event the gateway asks for reconciles too
        HttpResponse<String> second = h.post("/v1/chat/completions", "sk-tpm",
                Harness.chatBody("m", "count my tokens", extra + ",\"stream\":true"));
        assertEquals(200, second.statusCode());
        assertEquals(400 - used1 - reserve,
                Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()),
                "the first request's reservation was replaced by its reported usage");
        HttpResponse<String> third = h.post("/v1/chat/completions", "sk-tpm", body);
        long used2 = used1; // same prompt, same deterministic answer
        if (used1 + used2 + reserve <= 400) {
            assertEquals(200, third.statusCode());
        } else {
            assertEquals(429, third.statusCode());
            assertTrue(Harness.error(third).get("message").asText().contains("tpm_limit"));
        }
    }

    @Test
    void parallelSlotIsReleasedWhenTheClientDisconnectsMidStream() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                virtual_keys:
                  - {key: sk-one-at-a-time, max_parallel_requests: 1}
                """, "a");
        h.mock("a").options().streamChunks(50).chunkDelayMillis(200);
        CompletableFuture<HttpResponse<java.io.InputStream>> stream = h.http.sendAsync(
                HttpRequest.newBuilder(h.uri("/v1/chat/completions")).header("Authorization", "Bearer sk-one-at-a-time")
                        .POST(HttpRequest.BodyPublishers.ofString(Harness.chatBody("m", "long", ",\"stream\":true"))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<java.io.InputStream> open = stream.get(10, TimeUnit.SECONDS);
        assertEquals(200, open.statusCode());
        HttpResponse<String> busy = h.chat("sk-one-at-a-time", "m", "second while busy");
        assertEquals(429, busy.statusCode());
        assertTrue(Harness.error(busy).get("message").asText().contains("max_parallel_requests"));
        open.body().close(); // the client goes away mid-stream
        h.mock("a").options().streamChunks(2).chunkDelayMillis(0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int status;
        do {
            Thread.sleep(50);
            status = h.chat("sk-one-at-a-time", "m", "after disconnect").statusCode();
        } while (status == 429 && System.nanoTime() < deadline);
        assertEquals(200, status, "the parallel slot was not released after the disconnect");
    }

    @Test
    void parallelSlotIsReleasedAfterUpstreamErrorsAndTimeouts() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}", timeout: 0.3}
                router_settings: {num_retries: 0, allowed_fails: 1000}
                virtual_keys:
                  - {key: sk-one, max_parallel_requests: 1}
                """, "a");
        h.mock("a").options().errorRate(1.0);
        assertEquals(502, h.chat("sk-one", "m", "error").statusCode());
        h.mock("a").options().errorRate(0).latencyMillis(2_000);
        assertEquals(504, h.chat("sk-one", "m", "timeout").statusCode());
        h.mock("a").options().latencyMillis(0);
        assertEquals(200, h.chat("sk-one", "m", "fine").statusCode());
    }

    @Test
    void promptOverTheContextWindowIs400BeforeAnyUpstreamCall() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: small
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                    model_info: {max_input_tokens: 50}
                general_settings: {master_key: sk-master}
                """, "a");
        HttpResponse<String> r = h.chat("sk-master", "small", "word ".repeat(100));
        assertEquals(400, r.statusCode());
        JsonNode e = Harness.error(r);
        assertEquals("context_length_exceeded", e.get("code").asText());
        assertEquals("messages", e.get("param").asText());
        assertEquals(0, h.mock("a").totalRequests());
        var ex = assertThrows(BadRequestException.class, () -> h.sdk("sk-master").chat().completions()
                .create(ChatCompletionCreateParams.builder().model("small").addUserMessage("word ".repeat(100)).build()));
        assertEquals("context_length_exceeded", ex.code().orElseThrow());
        assertEquals(200, h.chat("sk-master", "small", "short").statusCode());
    }

    @Test
    void failingDeploymentCoolsDownAndTrafficMovesToItsSibling() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: g
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${bad}", weight: 1000000}
                    model_info: {id: bad}
                  - model_name: g
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${good}", weight: 1}
                    model_info: {id: good}
                router_settings: {num_retries: 2, allowed_fails: 0, cooldown_time: 60}
                general_settings: {master_key: sk-master}
                """, "bad", "good");
        h.mock("bad").options().errorRate(1.0);
        HttpResponse<String> first = h.chat("sk-master", "g", "first");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("good", first.headers().firstValue("x-gateway-model-id").orElseThrow());
        assertEquals("1", first.headers().firstValue("x-gateway-attempted-retries").orElseThrow(),
                "the heavily weighted failing deployment was tried first, then the retry went to its sibling");
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = h.chat("sk-master", "g", "again " + i);
            assertEquals(200, r.statusCode());
            assertEquals("good", r.headers().firstValue("x-gateway-model-id").orElseThrow());
            assertEquals("0", r.headers().firstValue("x-gateway-attempted-retries").orElseThrow());
        }
        assertEquals(1, h.mock("bad").requests("/chat/completions"), "a cooling deployment got traffic");
        assertEquals(11, h.mock("good").requests("/chat/completions"));
    }

    @Test
    void fallbackGroupAnswersWhenThePrimaryGroupFails() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: primary
                    litellm_params: {model: openai/gpt-4o, api_base: "${down}"}
                    model_info: {id: primary-1}
                  - model_name: backup
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${up}"}
                    model_info: {id: backup-1}
                router_settings:
                  num_retries: 1
                  allowed_fails: 1000
                  fallbacks: [{primary: [backup]}]
                general_settings: {master_key: sk-master}
                """, "down", "up");
        h.mock("down").options().errorRate(1.0);
        ChatCompletion c = h.sdk("sk-master").chat().completions()
                .create(ChatCompletionCreateParams.builder().model("primary").addUserMessage("fall back").build());
        assertEquals("gpt-4o-mini", c.model(), "answered by the backup group's deployment");
        assertEquals(2, h.mock("down").requests("/chat/completions"), "first attempt and one retry on the primary");
        HttpResponse<String> r = h.chat("sk-master", "primary", "headers");
        assertEquals("backup-1", r.headers().firstValue("x-gateway-model-id").orElseThrow());
        assertEquals("2", r.headers().firstValue("x-gateway-attempted-retries").orElseThrow());
    }

    @Test
    void everyDeploymentCoolingDownAnswers429NoDeployments() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: solo
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                router_settings: {num_retries: 0, allowed_fails: 0, cooldown_time: 30}
                general_settings: {master_key: sk-master}
                """, "a");
        h.mock("a").options().errorRate(1.0);
        assertEquals(502, h.chat("sk-master", "solo", "breaks it").statusCode());
        HttpResponse<String> r = h.chat("sk-master", "solo", "cooling");
        assertEquals(429, r.statusCode());
        assertEquals("no_deployments_available", Harness.error(r).get("code").asText());
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "retry-after " + retryAfter);
        assertEquals(1, h.mock("a").totalRequests());
    }
}
