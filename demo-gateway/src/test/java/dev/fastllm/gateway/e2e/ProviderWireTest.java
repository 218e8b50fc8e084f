package dev.fastllm.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fastllm.gateway.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static dev.fastllm.gateway.testing.ScriptedUpstream.chunk;
import static dev.fastllm.gateway.testing.ScriptedUpstream.completion;
import static dev.fastllm.gateway.testing.ScriptedUpstream.json;
import static dev.fastllm.gateway.testing.ScriptedUpstream.response;
import static dev.fastllm.gateway.testing.ScriptedUpstream.sseHeadClose;
import static dev.fastllm.gateway.testing.ScriptedUpstream.usageChunk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway against an upstream that behaves as real OpenAI-compatible providers do on the wire: gzip,
 * JSON answers to stream requests, large headers, Retry-After in every form, error bodies of every shape,
 * streams without {@code [DONE]}, and the SSE and HTTP/1.x framings that already worked, so they keep working.
 */
class ProviderWireTest {

    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${u}", api_key: sk-upstream, timeout: 5}
            router_settings: {num_retries: %d, allowed_fails: 1000}
            gateway_settings: {max_retry_after: 10}
            general_settings: {master_key: sk-master}
            virtual_keys:
              - {key: sk-tpm, tpm_limit: 1000000}
            """;

    ScriptedUpstream upstream;
    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start(int retries, ScriptedUpstream.Script script) throws Exception {
        upstream = new ScriptedUpstream(script);
        h = new Harness(String.format(Locale.ROOT, CONFIG, retries), Map.of("u", upstream));
    }

    private HttpResponse<String> stream(String key, String extra) throws Exception {
        return h.post("/v1/chat/completions", key, Harness.chatBody("m", "hello there", ",\"stream\":true" + extra));
    }

    /** Data of every event of an SSE body, in order. */
    private static List<String> data(String sse) {
        List<String> out = new ArrayList<>();
        for (String line : sse.split("\r\n|\r|\n")) {
            if (line.startsWith("data: ")) {
                out.add(line.substring(6));
            }
        }
        return out;
    }

    /**
     * Tokens the gateway settled for the first of two identical requests of key sk-tpm: the drop in
     * x-ratelimit-remaining-tokens between them, less the second's own reservation (equal to the first's).
     */
    private long settledTokens(java.util.concurrent.Callable<HttpResponse<String>> request) throws Exception {
        HttpResponse<String> first = request.call();
        long r1 = Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        HttpResponse<String> second = request.call();
        long r2 = Long.parseLong(second.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        return r1 - r2;
    }

    // ---- defects of issue "speak HTTP the way real providers do" ----------------------------------

    @Test
    void streamOptionsNullIsAcceptedAndNeverLocksTheKeyOut() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${mock}"}
                general_settings: {master_key: sk-master}
                virtual_keys:
                  - {key: sk-two, max_parallel_requests: 2}
                """, "mock");
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = h.post("/v1/chat/completions", "sk-two",
                    Harness.chatBody("m", "hi", ",\"stream\":true,\"stream_options\":null"));
            assertEquals(200, r.statusCode(), r.body());
            List<String> events = data(r.body());
            assertEquals("[DONE]", events.get(events.size() - 1));
            for (String e : events.subList(0, events.size() - 1)) {
                assertTrue(Harness.JSON.readTree(e).path("usage").isMissingNode() || Harness.JSON.readTree(e).get("usage").isNull(),
                        "the client did not ask for usage: " + e);
            }
        }
        assertEquals(0, h.gateway.router().inFlight("m", h.gateway.config().deployments().get(0).id()));
    }

    @Test
    void gzipAnswersAreDecodedAndTheirUsageRead() throws Exception {
        start(0, (r, wire) -> {
            boolean stream = r.json().path("stream").asBoolean(false);
            byte[] body = stream
                    ? ("data: " + chunk("zipped") + "\n\ndata: " + usageChunk(1000, 234) + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8)
                    : completion("zipped", 1000, 234).getBytes(StandardCharsets.UTF_8);
            byte[] gz = gzip(body);
            wire.write("HTTP/1.1 200 OK\r\nContent-Type: " + (stream ? "text/event-stream" : "application/json")
                    + "\r\nContent-Encoding: gzip\r\nContent-Length: " + gz.length + "\r\n\r\n").write(gz);
        });
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(200, r.statusCode());
        assertEquals("zipped", Harness.json(r).at("/choices/0/message/content").asText());
        assertTrue(r.headers().firstValue("content-encoding").isEmpty());
        assertEquals("identity", upstream.requests().get(0).header("accept-encoding"));
        assertEquals(1234, settledTokens(() -> h.post("/v1/chat/completions", "sk-tpm", Harness.chatBody("m", "x", ""))));

        HttpResponse<String> s = stream("sk-master", "");
        assertTrue(s.body().contains("\"zipped\""), s.body());
        assertEquals(1234, settledTokens(() -> stream("sk-tpm", "")));
    }

    @Test
    void anEncodingTheGatewayCannotDecodeIsAnErrorNotGarbage() throws Exception {
        start(0, (r, wire) -> wire.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: br\r\n"
                + "Content-Length: 4\r\n\r\n\u0001\u0002\u0003\u0004"));
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(502, r.statusCode());
        assertEquals("bad_response", Harness.error(r).get("code").asText());
    }

    @Test
    void aStreamRequestAnsweredWithJsonBecomesAValidStream() throws Exception {
        start(0, (r, wire) -> wire.write(json(200, completion("whole answer", 1000, 20))));
        HttpResponse<String> r = stream("sk-master", "");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = data(r.body());
        assertEquals(2, events.size(), r.body());
        JsonNode first = Harness.JSON.readTree(events.get(0));
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("whole answer", first.at("/choices/0/delta/content").asText());
        assertEquals("stop", first.at("/choices/0/finish_reason").asText());
        assertEquals("[DONE]", events.get(1));

        List<String> withUsage = data(stream("sk-master", ",\"stream_options\":{\"include_usage\":true}").body());
        assertEquals(1020, Harness.JSON.readTree(withUsage.get(1)).at("/usage/total_tokens").asLong());
        assertEquals(1020, settledTokens(() -> stream("sk-tpm", "")));

        // and the official SDK reads it as a stream
        StringBuilder text = new StringBuilder();
        try (var chunks = h.sdk("sk-master").chat().completions().createStreaming(
                com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("m").addUserMessage("x").build())) {
            chunks.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertEquals("whole answer", text.toString());
    }

    @Test
    void largeHeadersAreAcceptedAndOversizedOnesFailAtOnce() throws Exception {
        String cookie = "Set-Cookie: session=" + "a".repeat(20_000);
        start(0, (r, wire) -> {
            String prompt = r.json().at("/messages/0/content").asText();
            String header = prompt.equals("huge") ? "X-Trace: " + "b".repeat(70_000) : cookie;
            wire.write(json(200, completion("ok", 1, 1), header));
        });
        assertEquals(200, h.chat("sk-master", "m", "big").statusCode());
        long t0 = System.nanoTime();
        HttpResponse<String> r = h.chat("sk-master", "m", "huge");
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(502, r.statusCode());
        assertEquals("bad_response", Harness.error(r).get("code").asText());
        assertTrue(Harness.error(r).get("message").asText().contains("65536"), r.body());
        assertTrue(waitedMs < 4_000, "answered without waiting for the 5 s timeout, took " + waitedMs + " ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry-after-ms: 700", "Retry-After: 1.5", "Retry-After: DATE"})
    void theUpstreamsRetryAfterIsHonoured(String header) throws Exception {
        List<Long> arrivals = new java.util.concurrent.CopyOnWriteArrayList<>();
        start(1, (r, wire) -> {
            arrivals.add(System.nanoTime());
            if (arrivals.size() == 1) {
                String h = header.replace("DATE", DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(3)));
                wire.write(json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\",\"param\":null,\"code\":null}}", h));
            } else {
                wire.write(json(200, completion("ok", 1, 1)));
            }
        });
        assertEquals(200, h.chat("sk-master", "m", "x").statusCode());
        long gapMs = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
        long atLeast = header.startsWith("retry-after-ms") ? 650 : header.contains("1.5") ? 1_450 : 1_000;
        assertTrue(gapMs >= atLeast, "waited " + gapMs + " ms for " + header);
    }

    @Test
    void theClientIsToldTheUpstreamsRetryAfterUncapped() throws Exception {
        start(0, (r, wire) -> wire.write(json(429, "{\"error\":{\"message\":\"quota\",\"type\":\"x\",\"param\":null,\"code\":null}}",
                "Retry-After: 60")));
        HttpResponse<String> r = h.chat("sk-master", "m", "x");
        assertEquals(429, r.statusCode());
        assertEquals("60", r.headers().firstValue("retry-after").orElseThrow(), "max_retry_after is 10 s: it caps only the gateway's wait");
    }

    @Test
    void upstreamRefusalsKeepTheirMessageWhateverTheirShape() throws Exception {
        String openAi = "{\"error\":{\"message\":\"Unsupported parameter: 'foo'\",\"type\":\"invalid_request_error\",\"param\":\"foo\",\"code\":\"unsupported_parameter\"}}";
        start(0, (r, wire) -> {
            switch (r.json().at("/messages/0/content").asText()) {
                case "vllm" -> wire.write(json(400, "{\"object\":\"error\",\"message\":\"max_tokens is too large: 99999\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"));
                case "fastapi" -> wire.write(json(422, "{\"detail\":[{\"loc\":[\"body\",\"messages\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}"));
                case "fastapi-string" -> wire.write(json(404, "{\"detail\":\"Model gpt-x not found\"}"));
                case "plain" -> wire.write(response(401, "text/plain", "Invalid token for this endpoint"));
                default -> wire.write(json(400, openAi));
            }
        });
        assertRefusal("vllm", 400, "max_tokens is too large: 99999");
        assertRefusal("fastapi", 422, "field required");
        assertRefusal("fastapi-string", 404, "Model gpt-x not found");
        assertRefusal("plain", 401, "Invalid token for this endpoint");
        HttpResponse<String> r = h.chat("sk-master", "m", "openai");
        assertEquals(400, r.statusCode());
        assertEquals(openAi, r.body(), "an OpenAI-style refusal is passed as it came");
    }

    private void assertRefusal(String prompt, int status, String message) throws Exception {
        HttpResponse<String> r = h.chat("sk-master", "m", prompt);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = Harness.error(r);
        assertTrue(e.get("message").asText().contains(message), r.body());
        assertEquals("upstream_" + status, e.get("code").asText());
    }

    @Test
    void aStreamTheUpstreamEndsWithoutDoneStillEndsWithDone() throws Exception {
        start(0, (r, wire) -> {
            wire.write(sseHeadClose()).write("data: " + chunk("a") + "\n\ndata: " + usageChunk(3, 1) + "\n\n");
            wire.close();
        });
        List<String> events = data(stream("sk-master", "").body());
        assertEquals(2, events.size(), events.toString());
        assertEquals("[DONE]", events.get(1));
    }

    @Test
    void requestIdsAndAllowedHeadersCrossCredentialsNever() throws Exception {
        start(0, (r, wire) -> wire.write(json(200, completion("ok", 1, 1), "x-request-id: req_upstream_123",
                "openai-processing-ms: 42", "openai-organization: org-secret")));
        HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-master").header("X-Request-Id", "client-req-9")
                .header("OpenAI-Beta", "assistants=v2").header("User-Agent", "my-app/1.0").header("Cookie", "c=1")
                .POST(HttpRequest.BodyPublishers.ofString(Harness.chatBody("m", "x", ""))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("req_upstream_123", r.headers().firstValue("x-request-id").orElse(null));
        assertEquals("42", r.headers().firstValue("openai-processing-ms").orElse(null));
        assertTrue(r.headers().firstValue("openai-organization").isEmpty());
        ScriptedUpstream.Request seen = upstream.requests().get(0);
        assertEquals("client-req-9", seen.header("x-request-id"));
        assertEquals("assistants=v2", seen.header("openai-beta"));
        assertEquals("my-app/1.0", seen.header("user-agent"));
        assertEquals("Bearer sk-upstream", seen.header("authorization"), "the deployment's key, never the client's");
        assertNull(seen.header("cookie"));
    }

    // ---- framings that work and must keep working -----------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"\r\n", "\r", "\n"})
    void sseLineEndingsCommentsFieldsAndMultiLineData(String eol) throws Exception {
        start(0, (r, wire) -> {
            String e = eol;
            wire.write(sseHeadClose())
                    .write(": keep-alive comment" + e + e)
                    .write("event: message" + e + "id: 1" + e + "data: " + chunk("one") + e + e)
                    .write("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\"," + e
                            + "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"two\"},\"finish_reason\":null}]}" + e + e)
                    .write("data: " + usageChunk(500, 70) + e + e + "data: [DONE]" + e + e);
            wire.close();
        });
        HttpResponse<String> r = stream("sk-master", "");
        assertTrue(r.body().contains("\"one\""), r.body());
        assertTrue(r.body().contains("\"two\""), r.body());
        assertTrue(r.body().contains("keep-alive comment"), "comments are relayed");
        assertFalse(r.body().contains("\"usage\""), "the usage chunk only the gateway asked for is dropped");
        assertEquals(570, settledTokens(() -> stream("sk-tpm", "")));
    }

    @Test
    void oneBytePerWriteAndOneMegabyteEvents() throws Exception {
        String big = "x".repeat(1 << 20);
        start(0, (r, wire) -> {
            byte[] body = ("data: " + chunk("tiny") + "\n\ndata: " + chunk(big) + "\n\ndata: " + usageChunk(9, 1)
                    + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
            wire.write(sseHeadClose()).trickle(java.util.Arrays.copyOf(body, 400), 1)
                    .write(java.util.Arrays.copyOfRange(body, 400, body.length));
            wire.close();
        });
        HttpResponse<String> r = stream("sk-master", "");
        List<String> events = data(r.body());
        assertEquals(3, events.size());
        assertEquals(big, Harness.JSON.readTree(events.get(1)).at("/choices/0/delta/content").asText());
        assertEquals(10, settledTokens(() -> stream("sk-tpm", "")));
    }

    @Test
    void http10CloseDelimitedChunkedWithTrailersAndConnectionClose() throws Exception {
        start(0, (r, wire) -> {
            switch (r.json().at("/messages/0/content").asText()) {
                case "http10" -> {
                    wire.write("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + completion("ten", 1, 1));
                    wire.close();
                }
                case "trailers" -> {
                    String body = completion("chunked", 1, 1);
                    wire.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                            + "Trailer: x-checksum\r\n\r\n" + Integer.toHexString(10) + "\r\n" + body.substring(0, 10) + "\r\n"
                            + Integer.toHexString(body.length() - 10) + "\r\n" + body.substring(10) + "\r\n0\r\nx-checksum: abc\r\n\r\n");
                }
                default -> {
                    wire.write(json(200, completion("closing", 1, 1), "Connection: close"));
                    wire.close();
                }
            }
        });
        for (String[] c : new String[][] {{"http10", "ten"}, {"trailers", "chunked"}, {"close", "closing"},
                {"close", "closing"}, {"trailers", "chunked"}, {"http10", "ten"}}) {
            HttpResponse<String> r = h.chat("sk-master", "m", c[0]);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(c[1], Harness.json(r).at("/choices/0/message/content").asText());
        }
    }

    @Test
    void anUpstreamThatClosesIdleConnectionsAfterOneSecond() throws Exception {
        start(0, (r, wire) -> wire.write(json(200, completion("ok", 1, 1))));
        upstream.closeIdleAfter(1_000);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, h.chat("sk-master", "m", "x").statusCode());
            Thread.sleep(1_300);
        }
        assertEquals(3, upstream.requests().size(), "each request reached the upstream once");
    }

    private static byte[] gzip(byte[] data) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
