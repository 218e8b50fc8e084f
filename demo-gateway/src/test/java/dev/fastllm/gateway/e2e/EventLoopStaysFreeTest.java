package dev.fastllm.gateway.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Large prompts are counted off the event loops, and a key's request and parallel limits are checked before
 * its prompt is counted at all.
 */
class EventLoopStaysFreeTest {

    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${mock}"}
                model_info: {max_input_tokens: 1000}
            general_settings: {master_key: sk-master}
            gateway_settings: {max_request_bytes: 16777216}
            virtual_keys:
              - {key: sk-once, rpm_limit: 1}
            """;

    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void fourHugePromptsDoNotHoldUpAHealthCheck() throws Exception {
        h = new Harness(CONFIG, "mock");
        // 1.5 M characters of mixed CJK and Latin text (4 MB of UTF-8), where tokenizers are slowest
        String huge = Harness.chatBody("m", "数据处理 data 処理の速度 speed 한국어 텍스트 ".repeat(50_000), "");
        // a client of its own: the one above is busy sending 16 MB
        java.net.http.HttpClient prober = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 20; i++) { // a warm connection and a warm client
            prober.send(HttpRequest.newBuilder(h.uri("/health/liveliness")).build(), HttpResponse.BodyHandlers.ofString());
        }
        List<Long> slow = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> big = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            big.add(h.http.sendAsync(HttpRequest.newBuilder(h.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer sk-master").POST(HttpRequest.BodyPublishers.ofString(huge)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long worstMs = 0;
        int checks = 0;
        while (!big.stream().allMatch(CompletableFuture::isDone)) {
            long t0 = System.nanoTime();
            HttpResponse<String> health = prober.send(HttpRequest.newBuilder(h.uri("/health/liveliness")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > 100) {
                slow.add(ms);
            }
            worstMs = Math.max(worstMs, ms);
            checks++;
            Thread.sleep(20);
        }
        for (CompletableFuture<HttpResponse<String>> f : big) {
            HttpResponse<String> r = f.join();
            assertEquals(400, r.statusCode());
            assertEquals("context_length_exceeded", Harness.error(r).get("code").asText());
        }
        // counting these prompts on the event loops held health checks for seconds; off the loops a check waits
        // for nothing but CPU (2 cores shared with the counting threads), so the bound is loose
        System.out.println("health checks over 100 ms: " + slow + " of " + checks);
        assertTrue(worstMs < 500, "a health check waited " + worstMs + " ms (" + checks + " checks, over 100 ms: " + slow + ")");
    }

    @Test
    void aKeyOutOfRequestsIsRefusedBeforeItsPromptIsCounted() throws Exception {
        h = new Harness(CONFIG, "mock");
        assertEquals(200, h.chat("sk-once", "m", "hi").statusCode());
        // over the context window and over rpm: the cheap decision (rpm) answers first
        HttpResponse<String> r = h.chat("sk-once", "m", "word ".repeat(5_000));
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("throttling_error", Harness.error(r).get("type").asText());
        assertEquals("0", r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
    }
}
