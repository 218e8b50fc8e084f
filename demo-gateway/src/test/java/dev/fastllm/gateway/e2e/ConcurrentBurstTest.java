package dev.fastllm.gateway.e2e;

import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A burst far larger than the pool: every request answered, and afterwards every connection is back. */
class ConcurrentBurstTest {

    @Test
    void everyLeaseIsReleasedAfterABurstOfConcurrentRequests() throws Exception {
        try (Harness h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}", max_parallel_requests: 4}
                    model_info: {id: pooled}
                general_settings: {master_key: sk-master}
                """, "a")) {
            h.mock("a").options().latencyMillis(20);
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                String extra = i % 3 == 0 ? ",\"stream\":true" : "";
                all.add(h.http.sendAsync(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-master")
                        .POST(HttpRequest.BodyPublishers.ofString(Harness.chatBody("m", "burst " + i, extra))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : all) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
            }
            String metrics = h.http.send(HttpRequest.newBuilder(h.uri("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(0, gauge(metrics, "leased"), "leases lost");
            assertEquals(0, gauge(metrics, "pending"), "requests left waiting");
            double idle = gauge(metrics, "idle");
            assertTrue(idle >= 1 && idle <= 4, "idle connections: " + idle);
            assertTrue(h.mock("a").connectionsAccepted() <= 4 + 1,
                    "the pool opened more connections than max_parallel_requests: " + h.mock("a").connectionsAccepted());
        }
    }

    private static double gauge(String metrics, String state) {
        Matcher m = Pattern.compile("gateway_pool_connections\\{deployment=\"pooled\",state=\"" + state + "\"} (\\S+)")
                .matcher(metrics);
        if (!m.find()) {
            throw new AssertionError("no pool gauge for " + state + " in\n" + metrics);
        }
        return Double.parseDouble(m.group(1));
    }
}
