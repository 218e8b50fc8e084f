package dev.fastllm.gateway.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.fastllm.gateway.Gateway;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.mock.MockOptions;
import dev.fastllm.gateway.mock.MockProvider;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts mock providers and a gateway on free loopback ports for end-to-end tests, and closes them all.
 * The config is a YAML template in which {@code ${mockName}} becomes that mock's {@code /v1} base URL.
 */
final class Harness implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, MockProvider> mocks = new LinkedHashMap<>();
    final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<OpenAIClient> clients = new ArrayList<>();

    Harness(String yamlTemplate, String... mockNames) throws InterruptedException {
        this(yamlTemplate, Map.of(), mockNames);
    }

    /** As above; {@code ${name}} of each scripted upstream becomes its base URL too. */
    Harness(String yamlTemplate, Map<String, dev.fastllm.gateway.testing.ScriptedUpstream> upstreams, String... mockNames) throws InterruptedException {
        String yaml = yamlTemplate;
        for (Map.Entry<String, dev.fastllm.gateway.testing.ScriptedUpstream> u : upstreams.entrySet()) {
            yaml = yaml.replace("${" + u.getKey() + "}", u.getValue().baseUri().toString());
        }
        for (String name : mockNames) {
            MockProvider m = MockProvider.start("127.0.0.1", 0, new MockOptions().streamChunks(4));
            mocks.put(name, m);
            yaml = yaml.replace("${" + name + "}", m.baseUri().toString());
        }
        gateway = Gateway.start(ConfigLoader.parse(yaml, System::getenv), "127.0.0.1", 0);
    }

    MockProvider mock(String name) {
        return mocks.get(name);
    }

    URI uri(String path) {
        return gateway.baseUri().resolve(path);
    }

    /** The official OpenAI Java SDK pointed at the gateway, without its own retries. */
    OpenAIClient sdk(String key) {
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(gateway.baseUri() + "/v1").apiKey(key)
                .maxRetries(0).timeout(Duration.ofSeconds(20)).build();
        clients.add(c);
        return c;
    }

    HttpResponse<String> post(String path, String key, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> chat(String key, String model, String userText) throws IOException, InterruptedException {
        return post("/v1/chat/completions", key, chatBody(model, userText, ""));
    }

    static String chatBody(String model, String userText, String extraFields) {
        try {
            return "{\"model\":" + JSON.writeValueAsString(model) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                    + JSON.writeValueAsString(userText) + "}]" + extraFields + "}";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** Asserts an OpenAI-style error body and returns its {@code error} object. */
    static JsonNode error(HttpResponse<String> r) throws IOException {
        JsonNode e = json(r).get("error");
        if (e == null || !e.has("message") || !e.has("type") || !e.has("param") || !e.has("code")) {
            throw new AssertionError("not an OpenAI error body: " + r.body());
        }
        if (!r.headers().firstValue("content-type").orElse("").startsWith("application/json")) {
            throw new AssertionError("error without JSON content type: " + r.headers());
        }
        return e;
    }

    @Override
    public void close() {
        clients.forEach(OpenAIClient::close);
        gateway.drainAndStop();
        mocks.values().forEach(MockProvider::close);
    }
}
