package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /responses} on the wire: the JSON answer, the typed event stream, client mistakes and faults. */
class MockResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

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

    private static int t(String s) {
        return O200K.countTokensOrdinary(s);
    }

    @Test
    void answerIsAResponseObjectWithConsistentUsage() throws Exception {
        HttpResponse<String> r = post("/v1/responses", """
                {"model":"gpt-4o-mini","instructions":"You are terse.","temperature":0.5,"metadata":{"k":"v"},
                 "input":"Tell me about the weather in Lisbon today please"}""");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/json"));
        JsonNode body = JSON.readTree(r.body());
        assertTrue(body.path("id").asText().startsWith("resp_"), body.toString());
        assertEquals("response", body.path("object").asText());
        assertEquals("completed", body.path("status").asText());
        assertTrue(body.path("created_at").asLong() > 1_600_000_000L);
        assertEquals("gpt-4o-mini", body.path("model").asText());
        assertEquals("You are terse.", body.path("instructions").asText());
        assertEquals(0.5, body.path("temperature").asDouble());
        assertEquals("v", body.at("/metadata/k").asText());
        assertTrue(body.path("error").isNull() && body.path("incomplete_details").isNull());
        assertEquals(1, body.path("output").size());
        JsonNode message = body.path("output").get(0);
        assertEquals("message", message.path("type").asText());
        assertEquals("assistant", message.path("role").asText());
        assertEquals("completed", message.path("status").asText());
        assertTrue(message.path("id").asText().startsWith("msg_"));
        JsonNode part = message.path("content").get(0);
        assertEquals("output_text", part.path("type").asText());
        assertTrue(part.path("annotations").isArray() && part.path("annotations").isEmpty());
        String text = part.path("text").asText();
        assertTrue(text.startsWith("This is a mock reply from gpt-4o-mini."), text);
        assertTrue(text.contains("Tell me about the weather in Lisbon today"), text);

        JsonNode usage = body.path("usage");
        int input = 3 + (3 + t("system") + t("You are terse."))
                + (3 + t("user") + t("Tell me about the weather in Lisbon today please"));
        assertEquals(input, usage.path("input_tokens").asInt());
        assertEquals(t(text), usage.path("output_tokens").asInt());
        assertEquals(input + t(text), usage.path("total_tokens").asInt());
        assertEquals(0, usage.at("/input_tokens_details/cached_tokens").asInt(-1));
        assertEquals(0, usage.at("/output_tokens_details/reasoning_tokens").asInt(-1));

        JsonNode again = JSON.readTree(post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\"}").body());
        assertFalse(again.path("id").asText().equals(body.path("id").asText()));
        assertEquals(2, mock.requests("/responses"));
        assertEquals(2, mock.requests("/v1/responses"));
    }

    @Test
    void itemsAreReadAsTheMessagesTheyStandFor() throws Exception {
        JsonNode body = JSON.readTree(post("/responses", """
                {"model":"gpt-4o","input":[
                  {"role":"developer","content":"Answer briefly."},
                  {"type":"message","role":"user","content":[{"type":"input_text","text":"first part"},
                     {"type":"input_image","image_url":"http://x/y.png"},{"type":"input_text","text":"second part"}]},
                  {"type":"function_call_output","call_id":"c1","output":"42"}]}""").body());
        assertTrue(body.at("/output/0/content/0/text").asText().contains("first part second part"));
        int expected = 3
                + 3 + t("developer") + t("Answer briefly.")
                + 3 + t("user") + t("first part") + t("second part")
                + 3 + t("c1") + t("42");
        assertEquals(expected, body.at("/usage/input_tokens").asInt());
    }

    @Test
    void maxOutputTokensEndsIncomplete() throws Exception {
        JsonNode body = JSON.readTree(post("/responses",
                "{\"model\":\"gpt-4o\",\"max_output_tokens\":5,\"input\":\"count to ten slowly\"}").body());
        assertEquals("incomplete", body.path("status").asText());
        assertEquals("max_output_tokens", body.at("/incomplete_details/reason").asText());
        assertEquals("incomplete", body.at("/output/0/status").asText());
        assertEquals(5, t(body.at("/output/0/content/0/text").asText()));
        assertEquals(5, body.at("/usage/output_tokens").asInt());
        assertEquals(5, body.path("max_output_tokens").asInt());
        assertFalse(body.has("completed_at"));
    }

    @Test
    void streamIsTypedEventsEachItsOwnChunkPacedAndWithoutDone() throws Exception {
        options.streamChunks(4).chunkDelayMillis(40);
        String request = "{\"model\":\"gpt-4o-mini\",\"input\":\"stream this please\"";
        JsonNode plain = JSON.readTree(post("/responses", request + "}").body());

        long started = System.nanoTime();
        List<String> chunks = MockWire.rawChunkedPost(mock.port(), "/v1/responses", request + ",\"stream\":true}");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        List<String> types = new ArrayList<>();
        List<JsonNode> data = new ArrayList<>();
        for (String chunk : chunks) {
            assertTrue(chunk.startsWith("event: ") && chunk.endsWith("\n\n"), chunk);
            assertEquals(1, chunk.split("\n\n").length, "one SSE event per HTTP chunk: " + chunk);
            String[] lines = chunk.substring(0, chunk.length() - 2).split("\n");
            assertEquals(2, lines.length, chunk);
            assertTrue(lines[1].startsWith("data: {"), chunk);
            String type = lines[0].substring("event: ".length());
            JsonNode d = JSON.readTree(lines[1].substring("data: ".length()));
            assertEquals(type, d.path("type").asText());
            assertEquals(data.size(), d.path("sequence_number").asInt(-1));
            types.add(type);
            data.add(d);
        }
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
                "response.content_part.done", "response.output_item.done", "response.completed"), types);
        assertTrue(elapsedMillis >= 4 * 40, "took " + elapsedMillis + " ms");

        assertTrue(data.get(0).at("/response/usage").isNull());
        assertEquals("in_progress", data.get(0).at("/response/status").asText());
        String itemId = data.get(2).at("/item/id").asText();
        StringBuilder text = new StringBuilder();
        for (JsonNode delta : data.subList(4, 8)) {
            assertEquals(itemId, delta.path("item_id").asText());
            assertEquals(0, delta.path("output_index").asInt(-1));
            assertEquals(0, delta.path("content_index").asInt(-1));
            text.append(delta.path("delta").asText());
        }
        assertEquals(plain.at("/output/0/content/0/text").asText(), text.toString());
        JsonNode completed = data.get(11).path("response");
        assertEquals(data.get(0).at("/response/id"), completed.path("id"));
        assertEquals(plain.path("usage"), completed.path("usage"));
        assertEquals(text.toString(), completed.at("/output/0/content/0/text").asText());
    }

    @Test
    void clientMistakesGet400NamingTheParamEvenWhenFaultsAreOn() throws Exception {
        options.errorRate(1.0).rateLimitRate(1.0).resetRate(1.0);
        String[][] cases = {
                {"{not json", null},
                {"{\"input\":\"hi\"}", "model"},
                {"{\"model\":\"m\"}", "input"},
                {"{\"model\":\"m\",\"input\":null}", "input"},
                {"{\"model\":\"m\",\"input\":[]}", "input"},
                {"{\"model\":\"m\",\"input\":7}", "input"},
                {"{\"model\":\"m\",\"input\":[\"hi\"]}", "input[0]"},
                {"{\"model\":\"m\",\"input\":[{\"content\":\"hi\"}]}", "input[0].type"},
                {"{\"model\":\"m\",\"input\":[{\"type\":1,\"role\":\"user\",\"content\":\"hi\"}]}", "input[0].type"},
                {"{\"model\":\"m\",\"input\":[{\"type\":\"message\",\"content\":\"hi\"}]}", "input[0].role"},
                {"{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"hi\"}]}", "input[0].role"},
                {"{\"model\":\"m\",\"input\":[{\"role\":\"user\"}]}", "input[0].content"},
                {"{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":5}]}", "input[0].content"},
                {"{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]}",
                        "input[0].content[0]"},
                {"{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\"}]}]}",
                        "input[0].content[0].text"},
                {"{\"model\":\"m\",\"input\":\"hi\",\"instructions\":5}", "instructions"},
                {"{\"model\":\"m\",\"input\":\"hi\",\"max_output_tokens\":0}", "max_output_tokens"},
                {"{\"model\":\"m\",\"input\":\"hi\",\"stream\":\"yes\"}", "stream"},
                {"{\"model\":\"m\",\"input\":\"hi\",\"stream\":true,\"stream_options\":3}", "stream_options"},
                {"{\"model\":\"m\",\"input\":\"hi\",\"stream_options\":{}}", "stream_options"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post("/v1/responses", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            JsonNode error = JSON.readTree(r.body()).path("error");
            assertEquals("invalid_request_error", error.path("type").asText(), r.body());
            assertFalse(error.path("message").asText().isEmpty(), r.body());
            assertEquals(c[1], error.path("param").isNull() ? null : error.path("param").asText(), c[0]);
        }
        assertEquals(1, mock.connectionsAccepted(), "a client mistake never drops the connection");
        HttpResponse<String> get = get("/v1/responses");
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("allow").orElseThrow());
    }

    @Test
    void faultsApplyToResponses() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"input\":\"ping\",\"stream\":true}";
        options.errorRate(1.0);
        HttpResponse<String> failed = post("/v1/responses", body);
        assertEquals(500, failed.statusCode());
        assertEquals("server_error", JSON.readTree(failed.body()).at("/error/type").asText());
        options.errorRate(0).rateLimitRate(1.0);
        HttpResponse<String> limited = post("/v1/responses", body);
        assertEquals(429, limited.statusCode());
        assertEquals("1", limited.headers().firstValue("retry-after").orElseThrow());
        options.rateLimitRate(0).resetRate(1.0);
        assertThrows(IOException.class, () -> post("/v1/responses", body));
        options.resetRate(0).latencyMillis(120);
        long t0 = System.nanoTime();
        assertEquals(200, post("/v1/responses", body).statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 120);
        assertEquals(4, mock.requests("/responses"));
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
}
