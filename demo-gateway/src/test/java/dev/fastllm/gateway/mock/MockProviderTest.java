package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MockProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    private MockOptions options;
    private MockProvider mock;
    private HttpClient http;

    @BeforeEach
    void start() {
        options = new MockOptions();
        mock = MockProvider.start("127.0.0.1", 0, options);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        mock.close();
    }

    // ---- chat ----------------------------------------------------------------------------------

    @Test
    void chatCompletionHasOpenAiShapeAndConsistentUsage() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model":"gpt-4o-mini","messages":[
                  {"role":"system","content":"You are terse."},
                  {"role":"user","content":"Tell me about the weather in Lisbon today please"}]}""");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.path("id").asText().startsWith("chatcmpl-"));
        assertEquals("chat.completion", body.path("object").asText());
        assertTrue(body.path("created").asLong() > 1_600_000_000L);
        assertEquals("gpt-4o-mini", body.path("model").asText());
        JsonNode choice = body.path("choices").get(0);
        assertEquals(0, choice.path("index").asInt());
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        String content = choice.path("message").path("content").asText();
        assertTrue(content.contains("gpt-4o-mini"), content);
        assertTrue(content.contains("Tell me about the weather in Lisbon today"), content);

        JsonNode usage = body.path("usage");
        assertEquals(O200K.countTokensOrdinary(content), usage.path("completion_tokens").asInt());
        int prompt = 3 + (3 + O200K.countTokens("system") + O200K.countTokens("You are terse."))
                + (3 + O200K.countTokens("user") + O200K.countTokens("Tell me about the weather in Lisbon today please"));
        assertEquals(prompt, usage.path("prompt_tokens").asInt());
        assertEquals(prompt + usage.path("completion_tokens").asInt(), usage.path("total_tokens").asInt());
    }

    @Test
    void olderModelsAreCountedWithCl100k() throws Exception {
        JsonNode body = JSON.readTree(post("/chat/completions",
                "{\"model\":\"gpt-3.5-turbo\",\"messages\":[{\"role\":\"user\",\"content\":\"héllo wörld, 1234567\"}]}").body());
        String content = body.at("/choices/0/message/content").asText();
        assertEquals(CL100K.countTokensOrdinary(content), body.at("/usage/completion_tokens").asInt());
        assertEquals(3 + 3 + CL100K.countTokens("user") + CL100K.countTokens("héllo wörld, 1234567"),
                body.at("/usage/prompt_tokens").asInt());
    }

    @Test
    void contentPartsNamesAndToolCallsCountTowardsPromptTokens() throws Exception {
        JsonNode body = JSON.readTree(post("/chat/completions", """
                {"model":"gpt-4o","messages":[
                  {"role":"user","name":"ana","content":[{"type":"text","text":"first part"},
                                                         {"type":"image_url","image_url":{"url":"http://x/y.png"}},
                                                         {"type":"text","text":"second part"}]},
                  {"role":"assistant","content":null,
                   "tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\\"q\\":1}"}}]},
                  {"role":"tool","tool_call_id":"c1","content":"42"}]}""").body());
        int expected = 3
                + 3 + t("user") + t("ana") + 1 + t("first part") + t("second part")
                + 3 + t("assistant") + t("lookup") + t("{\"q\":1}")
                + 3 + t("tool") + t("c1") + t("42");
        assertEquals(expected, body.at("/usage/prompt_tokens").asInt());
        assertTrue(body.at("/choices/0/message/content").asText().contains("first part second part"));
    }

    private static int t(String s) {
        return O200K.countTokensOrdinary(s);
    }

    @Test
    void answersAreDeterministic() throws Exception {
        String request = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"same words\"}]}";
        JsonNode a = JSON.readTree(post("/chat/completions", request).body());
        JsonNode b = JSON.readTree(post("/v1/chat/completions", request).body());
        assertEquals(a.at("/choices/0/message/content"), b.at("/choices/0/message/content"));
        assertEquals(a.path("usage"), b.path("usage"));
        assertNotEquals(a.path("id"), b.path("id"));
        assertEquals(2, mock.requests("/chat/completions"));
        assertEquals(2, mock.requests("/v1/chat/completions"));
        assertEquals(2, mock.totalRequests());
    }

    @Test
    void maxTokensTruncatesAndReportsLength() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"count to ten slowly\"}]";
        String full = JSON.readTree(post("/chat/completions", "{\"model\":\"gpt-4o\"," + messages + "}").body())
                .at("/choices/0/message/content").asText();
        for (String limit : List.of("max_tokens", "max_completion_tokens")) {
            JsonNode body = JSON.readTree(post("/chat/completions",
                    "{\"model\":\"gpt-4o\",\"" + limit + "\":5," + messages + "}").body());
            String content = body.at("/choices/0/message/content").asText();
            assertEquals("length", body.at("/choices/0/finish_reason").asText());
            assertTrue(full.startsWith(content), content);
            assertTrue(content.length() < full.length());
            assertEquals(5, O200K.countTokensOrdinary(content));
            assertEquals(5, body.at("/usage/completion_tokens").asInt());
        }
        JsonNode roomy = JSON.readTree(post("/chat/completions",
                "{\"model\":\"gpt-4o\",\"max_tokens\":4096," + messages + "}").body());
        assertEquals("stop", roomy.at("/choices/0/finish_reason").asText());
        assertEquals(full, roomy.at("/choices/0/message/content").asText());
    }

    // ---- streaming -----------------------------------------------------------------------------

    @Test
    void streamSendsRoleContentFinishUsageAndDone() throws Exception {
        options.streamChunks(4);
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"stream this please\"}]";
        JsonNode plain = JSON.readTree(post("/chat/completions", "{\"model\":\"gpt-4o-mini\"," + messages + "}").body());

        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}," + messages + "}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/event-stream"));
        List<String> data = sseData(r.body());
        assertEquals(1 + 4 + 1 + 1 + 1, data.size(), data.toString());
        assertEquals("[DONE]", data.get(data.size() - 1));

        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(JSON.readTree(d));
        }
        String id = chunks.get(0).path("id").asText();
        for (JsonNode c : chunks) {
            assertEquals("chat.completion.chunk", c.path("object").asText());
            assertEquals(id, c.path("id").asText());
            assertEquals("gpt-4o-mini", c.path("model").asText());
        }
        assertEquals("assistant", chunks.get(0).at("/choices/0/delta/role").asText());
        StringBuilder content = new StringBuilder();
        for (JsonNode c : chunks.subList(1, 5)) {
            assertTrue(c.at("/choices/0/finish_reason").isNull());
            String part = c.at("/choices/0/delta/content").asText();
            assertFalse(part.isEmpty());
            content.append(part);
        }
        assertEquals(plain.at("/choices/0/message/content").asText(), content.toString());
        assertEquals("stop", chunks.get(5).at("/choices/0/finish_reason").asText());
        assertTrue(chunks.get(5).path("usage").isNull());
        JsonNode usageChunk = chunks.get(6);
        assertEquals(0, usageChunk.path("choices").size());
        assertEquals(plain.path("usage"), usageChunk.path("usage"));
        assertEquals(O200K.countTokensOrdinary(content.toString()), usageChunk.at("/usage/completion_tokens").asInt());
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunkAndHonoursMaxTokens() throws Exception {
        options.streamChunks(3);
        HttpResponse<String> r = post("/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"max_tokens\":4,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        List<String> data = sseData(r.body());
        assertEquals(1 + 3 + 1 + 1, data.size(), data.toString());
        StringBuilder content = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = JSON.readTree(d);
            assertFalse(c.has("usage"));
            content.append(c.at("/choices/0/delta/content").asText(""));
        }
        assertEquals(4, O200K.countTokensOrdinary(content.toString()));
        assertEquals("length", JSON.readTree(data.get(data.size() - 2)).at("/choices/0/finish_reason").asText());
    }

    @Test
    void everyStreamEventIsItsOwnHttpChunkAndChunksArePaced() throws Exception {
        options.streamChunks(4).chunkDelayMillis(40);
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"pace me\"}]}";
        long started = System.nanoTime();
        List<String> httpChunks = rawChunkedPost("/v1/chat/completions", body);
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(1 + 4 + 1 + 1 + 1, httpChunks.size(), httpChunks.toString());
        for (String chunk : httpChunks) {
            assertTrue(chunk.startsWith("data: ") && chunk.endsWith("\n\n"), chunk);
            assertEquals(1, chunk.split("\n\n").length, "one SSE event per HTTP chunk: " + chunk);
        }
        assertEquals("data: [DONE]\n\n", httpChunks.get(httpChunks.size() - 1));
        assertTrue(elapsedMillis >= 4 * 40, "took " + elapsedMillis + " ms");
    }

    // ---- embeddings ----------------------------------------------------------------------------

    @Test
    void embeddingsAreDeterministicUnitVectorsWithTokenUsage() throws Exception {
        JsonNode one = JSON.readTree(post("/v1/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"The quick brown fox\"}").body());
        assertEquals("list", one.path("object").asText());
        assertEquals("text-embedding-3-small", one.path("model").asText());
        assertEquals(1, one.path("data").size());
        JsonNode item = one.path("data").get(0);
        assertEquals("embedding", item.path("object").asText());
        assertEquals(0, item.path("index").asInt());
        assertEquals(1536, item.path("embedding").size());
        assertEquals(1.0, norm(item.path("embedding")), 1e-4);
        assertEquals(CL100K.countTokens("The quick brown fox"), one.at("/usage/prompt_tokens").asInt());
        assertEquals(one.at("/usage/prompt_tokens"), one.at("/usage/total_tokens"));

        JsonNode many = JSON.readTree(post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"dimensions\":64,"
                + "\"input\":[\"The quick brown fox\",\"jumps over\",\"The quick brown fox\"]}").body());
        assertEquals(3, many.path("data").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, many.path("data").get(i).path("index").asInt());
            assertEquals(64, many.path("data").get(i).path("embedding").size());
            assertEquals(1.0, norm(many.path("data").get(i).path("embedding")), 1e-4);
        }
        assertEquals(many.at("/data/0/embedding"), many.at("/data/2/embedding"));
        assertNotEquals(many.at("/data/0/embedding"), many.at("/data/1/embedding"));
        assertEquals(2 * CL100K.countTokens("The quick brown fox") + CL100K.countTokens("jumps over"),
                many.at("/usage/prompt_tokens").asInt());
        JsonNode again = JSON.readTree(post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"dimensions\":64,"
                + "\"input\":\"jumps over\"}").body());
        assertEquals(many.at("/data/1/embedding"), again.at("/data/0/embedding"));
    }

    @Test
    void embeddingsAcceptTokenArraysAndBase64() throws Exception {
        JsonNode tokens = JSON.readTree(post("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"dimensions\":8,\"input\":[[1,2,3],[4,5]]}").body());
        assertEquals(2, tokens.path("data").size());
        assertEquals(5, tokens.at("/usage/prompt_tokens").asInt());
        JsonNode single = JSON.readTree(post("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"dimensions\":8,\"input\":[1,2,3]}").body());
        assertEquals(1, single.path("data").size());
        assertEquals(tokens.at("/data/0/embedding"), single.at("/data/0/embedding"));

        String request = "{\"model\":\"text-embedding-3-small\",\"dimensions\":16,\"input\":\"base64 please\"";
        JsonNode floats = JSON.readTree(post("/embeddings", request + "}").body());
        JsonNode b64 = JSON.readTree(post("/embeddings", request + ",\"encoding_format\":\"base64\"}").body());
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(b64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[16];
        float[] expected = new float[16];
        for (int i = 0; i < 16; i++) {
            decoded[i] = buf.getFloat();
            expected[i] = floats.at("/data/0/embedding").get(i).floatValue();
        }
        assertArrayEquals(expected, decoded);
    }

    private static double norm(JsonNode vector) {
        double sum = 0;
        for (JsonNode v : vector) {
            sum += v.asDouble() * v.asDouble();
        }
        return Math.sqrt(sum);
    }

    // ---- models --------------------------------------------------------------------------------

    @Test
    void listsModels() throws Exception {
        for (String path : List.of("/v1/models", "/models")) {
            HttpResponse<String> r = get(path);
            assertEquals(200, r.statusCode());
            JsonNode body = JSON.readTree(r.body());
            assertEquals("list", body.path("object").asText());
            List<String> ids = new ArrayList<>();
            body.path("data").forEach(m -> {
                assertEquals("model", m.path("object").asText());
                ids.add(m.path("id").asText());
            });
            assertTrue(ids.containsAll(List.of("gpt-4o-mini", "gpt-3.5-turbo", "text-embedding-3-small")), ids.toString());
        }
        JsonNode one = JSON.readTree(get("/v1/models/my-model").body());
        assertEquals("my-model", one.path("id").asText());
        assertEquals(2, mock.requests("/models"));
    }

    // ---- faults --------------------------------------------------------------------------------

    @Test
    void errorRateAnswers500WithErrorJson() throws Exception {
        options.errorRate(1.0);
        HttpResponse<String> r = post("/v1/chat/completions", chatBody());
        assertEquals(500, r.statusCode());
        assertError(r.body(), "server_error");
        assertEquals(500, post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}").statusCode());
        assertEquals(200, get("/v1/models").statusCode(), "models are never faulted");
    }

    @Test
    void rateLimitRateAnswers429WithRetryAfter() throws Exception {
        options.rateLimitRate(1.0);
        HttpResponse<String> r = post("/v1/chat/completions", chatBody());
        assertEquals(429, r.statusCode());
        assertEquals("1", r.headers().firstValue("retry-after").orElseThrow());
        JsonNode error = assertError(r.body(), "rate_limit_error");
        assertEquals("rate_limit_exceeded", error.path("code").asText());
    }

    @Test
    void resetRateResetsTheConnection() {
        options.resetRate(1.0);
        assertThrows(IOException.class, () -> post("/v1/chat/completions", chatBody()));
        assertEquals(1, mock.requests("/chat/completions"));
    }

    @Test
    void latencyAndSlowResponsesDelayTheAnswer() throws Exception {
        options.latencyMillis(150);
        long t0 = System.nanoTime();
        assertEquals(200, post("/v1/chat/completions", chatBody()).statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 150);

        options.latencyMillis(0).slowRate(1.0).slowMillis(120);
        t0 = System.nanoTime();
        assertEquals(200, post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}").statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 120);
    }

    @Test
    void optionsChangeWhileRunning() throws Exception {
        assertEquals(200, post("/v1/chat/completions", chatBody()).statusCode());
        options.errorRate(1.0);
        assertEquals(500, post("/v1/chat/completions", chatBody()).statusCode());
        options.errorRate(0).rateLimitRate(1.0);
        assertEquals(429, post("/v1/chat/completions", chatBody()).statusCode());
        options.rateLimitRate(0);
        assertEquals(200, post("/v1/chat/completions", chatBody()).statusCode());
        assertEquals(4, mock.requests("/chat/completions"));
        assertEquals(1, mock.connectionsAccepted(), "error answers keep the connection alive");
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, post("/v1/chat/completions", chatBody()).statusCode());
        }
        assertEquals(200, post("/v1/chat/completions", chatBody().replace("{", "{\"stream\":true,")).statusCode());
        assertEquals(200, get("/v1/models").statusCode());
        assertEquals(1, mock.connectionsAccepted());
        assertEquals(1, mock.openConnections());
        mock.resetCounters();
        assertEquals(0, mock.totalRequests());
        assertEquals(0, mock.connectionsAccepted());
    }

    // ---- client mistakes -----------------------------------------------------------------------

    @Test
    void badRequestsGet400WithParamEvenWhenFaultsAreOn() throws Exception {
        options.errorRate(1.0).rateLimitRate(1.0).resetRate(1.0);
        String user = "[{\"role\":\"user\",\"content\":\"hi\"}]";
        String[][] chatCases = {
                {"{not json", null},
                {"[1,2]", null},
                {"", null},
                {"{\"messages\":" + user + "}", "model"},
                {"{\"model\":7,\"messages\":" + user + "}", "model"},
                {"{\"model\":\"m\"}", "messages"},
                {"{\"model\":\"m\",\"messages\":[]}", "messages"},
                {"{\"model\":\"m\",\"messages\":\"hi\"}", "messages"},
                {"{\"model\":\"m\",\"messages\":[\"hi\"]}", "messages[0]"},
                {"{\"model\":\"m\",\"messages\":[{\"content\":\"hi\"}]}", "messages[0].role"},
                {"{\"model\":\"m\",\"messages\":[{\"role\":\"boss\",\"content\":\"hi\"}]}", "messages[0].role"},
                {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages[0].content"},
                {"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}",
                        "messages[0].content[0].text"},
                {"{\"model\":\"m\",\"max_tokens\":0,\"messages\":" + user + "}", "max_tokens"},
                {"{\"model\":\"m\",\"max_tokens\":\"ten\",\"messages\":" + user + "}", "max_tokens"},
                {"{\"model\":\"m\",\"max_completion_tokens\":1.5,\"messages\":" + user + "}", "max_completion_tokens"},
                {"{\"model\":\"m\",\"stream\":\"yes\",\"messages\":" + user + "}", "stream"},
                {"{\"model\":\"m\",\"stream_options\":{\"include_usage\":true},\"messages\":" + user + "}", "stream_options"},
        };
        for (String[] c : chatCases) {
            HttpResponse<String> r = post("/v1/chat/completions", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            JsonNode error = assertError(r.body(), "invalid_request_error");
            assertEquals(c[1], error.path("param").isNull() ? null : error.path("param").asText(), c[0]);
        }
        String[][] embeddingCases = {
                {"{\"input\":\"x\"}", "model"},
                {"{\"model\":\"e\"}", "input"},
                {"{\"model\":\"e\",\"input\":\"\"}", "input"},
                {"{\"model\":\"e\",\"input\":[]}", "input"},
                {"{\"model\":\"e\",\"input\":{}}", "input"},
                {"{\"model\":\"e\",\"input\":[\"a\",3.5]}", "input[1]"},
                {"{\"model\":\"e\",\"input\":[[1,-2]]}", "input[0][1]"},
                {"{\"model\":\"e\",\"input\":\"x\",\"dimensions\":0}", "dimensions"},
                {"{\"model\":\"e\",\"input\":\"x\",\"encoding_format\":\"hex\"}", "encoding_format"},
        };
        for (String[] c : embeddingCases) {
            HttpResponse<String> r = post("/embeddings", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            assertEquals(c[1], assertError(r.body(), "invalid_request_error").path("param").asText(), c[0]);
        }
        assertEquals(1, mock.connectionsAccepted(), "a client mistake never drops the connection");
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        HttpResponse<String> r = post("/v1/completions", chatBody());
        assertEquals(404, r.statusCode());
        assertError(r.body(), "invalid_request_error");
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/v2/models").statusCode());

        HttpResponse<String> getChat = get("/v1/chat/completions");
        assertEquals(405, getChat.statusCode());
        assertEquals("POST", getChat.headers().firstValue("allow").orElseThrow());
        assertError(getChat.body(), "invalid_request_error");
        HttpResponse<String> postModels = post("/v1/models", "{}");
        assertEquals(405, postModels.statusCode());
        assertEquals("GET", postModels.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        // the limit is checked against content-length before the body is read, so headers alone suffice
        try (Socket socket = new Socket("127.0.0.1", mock.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + (MockProvider.MAX_BODY_BYTES + 1)
                    + "\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertTrue(line(in).startsWith("HTTP/1.1 413"));
            int length = -1;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).trim());
                }
            }
            assertError(new String(in.readNBytes(length), StandardCharsets.UTF_8), "invalid_request_error");
        }
    }

    // ---- life cycle ----------------------------------------------------------------------------

    @Test
    void baseUriAndCloseFreesThePort() throws Exception {
        int port = mock.port();
        assertTrue(port > 0);
        assertEquals(URI.create("http://127.0.0.1:" + port + "/v1"), mock.baseUri());
        assertEquals(options, mock.options());
        assertThrows(UncheckedIOException.class, () -> MockProvider.start("127.0.0.1", port, new MockOptions()));
        mock.close();
        mock.close(); // idempotent
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        }
        assertThrows(IOException.class, () -> get("/v1/models"));
    }

    @Test
    void cliRejectsBadFlagsBeforeStartingAndPrintsHelp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MockProvider.runCli(new String[] {"mock", "--error-rate", "2"}));
        assertTrue(e.getMessage().contains("--error-rate"), e.getMessage());
        MockProvider.runCli(new String[] {"mock", "--help"}); // returns at once
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String chatBody() {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}]}";
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + mock.port() + path);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode assertError(String body, String type) throws IOException {
        JsonNode root = JSON.readTree(body);
        JsonNode error = root.path("error");
        assertTrue(error.isObject(), body);
        assertFalse(error.path("message").asText().isEmpty(), body);
        assertEquals(type, error.path("type").asText(), body);
        assertTrue(error.has("param") && error.has("code"), body);
        return error;
    }

    /** The payloads of the {@code data:} lines of an SSE body, in order. */
    private static List<String> sseData(String body) {
        assertTrue(body.endsWith("\n\n"), body);
        List<String> data = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            assertTrue(event.startsWith("data: "), event);
            data.add(event.substring("data: ".length()));
        }
        return data;
    }

    private List<String> rawChunkedPost(String path, String body) throws IOException {
        return MockWire.rawChunkedPost(mock.port(), path, body);
    }

    private static String line(InputStream in) throws IOException {
        return MockWire.line(in);
    }
}
