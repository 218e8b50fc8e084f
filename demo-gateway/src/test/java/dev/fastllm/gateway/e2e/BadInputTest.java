package dev.fastllm.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every client mistake answers an OpenAI-style error with a 4xx status, and the connection stays usable. */
class BadInputTest {

    static Harness h;

    @BeforeAll
    static void start() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: gpt-4o-mini
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${a}"}
                  - model_name: text-embedding-3-small
                    litellm_params: {model: openai/text-embedding-3-small, api_base: "${a}"}
                general_settings: {master_key: sk-master}
                gateway_settings: {max_request_bytes: 65536}
                """, "a");
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    static Stream<Arguments> badChatBodies() {
        return Stream.of(
                Arguments.of("{\"model\": \"gpt-4o-mini\", \"messages\": [", 400, null, "invalid_json"),
                Arguments.of("", 400, null, "invalid_json"),
                Arguments.of("[1,2]", 400, null, "invalid_json"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} {\"x\":1}", 400, null, "invalid_json"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}garbage", 400, null, "invalid_json"),
                Arguments.of("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "model", "missing_required_parameter"),
                Arguments.of("{\"model\":\"gpt-4o-mini\"}", 400, "messages", "missing_required_parameter"),
                Arguments.of("{\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 400, "model", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":{\"role\":\"user\"}}", 400, "messages", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[]}", 400, "messages", "empty_array"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[\"hi\"]}", 400, "messages[0]", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"content\":\"x\"}]}", 400, "messages[0].role", "missing_required_parameter"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", 400, "messages[0].role", "invalid_value"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":7}]}", 400, "messages[0].content", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}", 400, "stream", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-5}", 400, "max_tokens", "invalid_type"),
                Arguments.of("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":{}}", 400, "tools", "invalid_type"),
                Arguments.of("{\"model\":\"unknown-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", 404, null, "model_not_found"));
    }

    @ParameterizedTest
    @MethodSource("badChatBodies")
    void badChatRequests(String body, int status, String param, String code) throws Exception {
        long upstreamBefore = h.mock("a").totalRequests();
        HttpResponse<String> r = h.post("/v1/chat/completions", "sk-master", body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = Harness.error(r);
        assertEquals(code, e.get("code").asText());
        assertEquals(param, e.get("param").isNull() ? null : e.get("param").asText());
        assertEquals(upstreamBefore, h.mock("a").totalRequests(), "a bad request must never reach the upstream");
    }

    @Test
    void badEmbeddingsInput() throws Exception {
        HttpResponse<String> missing = h.post("/v1/embeddings", "sk-master", "{\"model\":\"text-embedding-3-small\"}");
        assertEquals(400, missing.statusCode());
        assertEquals("input", Harness.error(missing).get("param").asText());
        HttpResponse<String> wrong = h.post("/v1/embeddings", "sk-master", "{\"model\":\"text-embedding-3-small\",\"input\":{}}");
        assertEquals(400, wrong.statusCode());
        assertEquals("invalid_type", Harness.error(wrong).get("code").asText());
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        String big = Harness.chatBody("gpt-4o-mini", "x".repeat(70_000), "");
        HttpResponse<String> r = h.post("/v1/chat/completions", "sk-master", big);
        assertEquals(413, r.statusCode());
        assertEquals("request_too_large", Harness.error(r).get("code").asText());
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> r = h.http.send(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-master").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
        Harness.error(r);
        HttpResponse<String> post = h.post("/v1/models", "sk-master", "{}");
        assertEquals(405, post.statusCode());
    }

    @Test
    void unknownPathIs404() throws Exception {
        HttpResponse<String> r = h.post("/v1/completions-typo", "sk-master", "{}");
        assertEquals(404, r.statusCode());
        assertEquals("unknown_url", Harness.error(r).get("code").asText());
    }

    /** Raw HTTP on one socket: an error answer keeps the connection open for the next request. */
    @Test
    void errorsKeepTheConnectionAliveAndPipelinedRequestsAnswerInOrder() throws Exception {
        try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String bad = "{not json";
            String good = Harness.chatBody("gpt-4o-mini", "after a mistake", "");
            String req = request("/v1/chat/completions", bad) + request("/v1/nope", "{}")
                    + request("/v1/chat/completions", good);
            out.write(req.getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(readResponse(in).startsWith("HTTP/1.1 400"));
            assertTrue(readResponse(in).startsWith("HTTP/1.1 404"));
            String third = readResponse(in);
            assertTrue(third.startsWith("HTTP/1.1 200"), third);
            assertTrue(third.contains("after a mistake"), third);
        }
    }

    @Test
    void malformedHttpIs400() throws Exception {
        try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String r = readResponse(in);
            assertTrue(r.startsWith("HTTP/1.1 400"), r);
            assertTrue(r.contains("\"type\":\"invalid_request_error\""), r);
        }
    }

    private static String request(String path, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk-master\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
    }

    /** Reads one response with a content-length body. */
    private static String readResponse(BufferedReader in) throws Exception {
        StringBuilder head = new StringBuilder();
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            head.append(line).append('\n');
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            int n = in.read(body, read, length - read);
            if (n < 0) {
                break;
            }
            read += n;
        }
        return head + "\n" + new String(body, 0, read);
    }
}
