package dev.fastllm.gateway.mock;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java SDK parses everything the mock sends, including its errors. */
class MockProviderOpenAiSdkTest {

    private static MockProvider mock;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        mock = MockProvider.start("127.0.0.1", 0, new MockOptions().streamChunks(3));
        client = OpenAIOkHttpClient.builder().baseUrl(mock.baseUri().toString()).apiKey("sk-test").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        mock.close();
    }

    @BeforeEach
    void noFaults() {
        mock.options().errorRate(0).rateLimitRate(0);
    }

    private static ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hello from the sdk");
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(chat().maxCompletionTokens(6).build());
        assertEquals("gpt-4o-mini", c.model());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().get(0).finishReason());
        assertTrue(c.choices().get(0).message().content().orElseThrow().startsWith("This is a mock reply"));
        assertEquals(6, c.usage().orElseThrow().completionTokens());
    }

    @Test
    void streaming() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        assertEquals(1 + 3 + 1 + 1, chunks.size());
        StringBuilder content = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(content::append)));
        ChatCompletion plain = client.chat().completions().create(chat().build());
        assertEquals(plain.choices().get(0).message().content().orElseThrow(), content.toString());
        assertEquals(plain.usage().orElseThrow(), chunks.get(chunks.size() - 1).usage().orElseThrow());
    }

    @Test
    void embeddingsInTheSdkDefaultEncodingAndAsFloats() {
        EmbeddingCreateParams.Builder params = EmbeddingCreateParams.builder().model("text-embedding-3-small")
                .input("embed me").dimensions(32);
        CreateEmbeddingResponse byDefault = client.embeddings().create(params.build());
        CreateEmbeddingResponse floats = client.embeddings().create(
                params.encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT).build());
        List<Float> vector = byDefault.data().get(0).embedding();
        assertEquals(32, vector.size());
        assertEquals(floats.data().get(0).embedding(), vector);
        double norm = Math.sqrt(vector.stream().mapToDouble(f -> f * f).sum());
        assertEquals(1.0, norm, 1e-4);
        assertTrue(byDefault.usage().promptTokens() > 0);
    }

    @Test
    void models() {
        List<String> ids = client.models().list().data().stream().map(Model::id).toList();
        assertTrue(ids.contains("gpt-4o-mini"), ids.toString());
        assertEquals("custom", client.models().retrieve("custom").id());
    }

    @Test
    void errorsMapToTheSdkExceptions() {
        mock.options().errorRate(1.0);
        assertEquals(500, assertThrows(InternalServerException.class,
                () -> client.chat().completions().create(chat().build())).statusCode());
        mock.options().errorRate(0).rateLimitRate(1.0);
        assertEquals(429, assertThrows(RateLimitException.class,
                () -> client.chat().completions().create(chat().build())).statusCode());
        mock.options().rateLimitRate(0);
        BadRequestException bad = assertThrows(BadRequestException.class, () -> client.chat().completions()
                .create(ChatCompletionCreateParams.builder().model("gpt-4o-mini").messages(List.of()).build()));
        assertEquals("messages", bad.param().orElseThrow());
        assertEquals("invalid_request_error", bad.type().orElseThrow());
    }
}
