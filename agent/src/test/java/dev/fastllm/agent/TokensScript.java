package dev.fastllm.agent;

import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * One scripted sequence of requests through the gateway, every prompt counted by
 * {@code PromptTokenCounter.countText}: chats in both encodings (short, long enough to be memoised, sent twice,
 * CJK and emoji, special-token text, code), named messages, tools, a stream with usage, embeddings, and
 * prompts around gpt-3.5-turbo's 120-token window (200 or {@code context_length_exceeded} by exact count).
 * The result lists what a client sees that depends on the counts: statuses, error codes, usage, and the
 * key's {@code x-ratelimit-remaining-*} headers (prompt tokens are reserved against its tpm).
 */
final class TokensScript {

    static final String LONG = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. "
            .repeat(12);

    static final List<String> TEXTS = List.of(
            "Hello!",
            "Summarise the following meeting notes in three bullet points, keep names and dates exact.",
            LONG,
            LONG,
            "日本語のテキストと中文混合、그리고 한국어 🤖👩‍💻🏳️‍🌈 emoji ZWJ sequences",
            "<|endoftext|> and <|fim_prefix|> are ordinary text here",
            "public static int add(int a, int b) {\n    return a + b; // 42\n}\n\t\t  \n",
            "numbers 1234567890 3.14159 0xFF 1e-9, URLs https://example.com/a?b=c&d=e#f",
            "  leading and trailing whitespace   \n\n\n");

    private TokensScript() {
    }

    static List<String> run(GatewayProcess g) throws Exception {
        List<String> seen = new ArrayList<>();
        for (String model : List.of("gpt-4o-mini", "gpt-3.5-turbo")) {
            for (String text : TEXTS) {
                seen.add(chat(g, model, text));
            }
        }
        for (int repeat = 1; repeat <= 12; repeat++) {
            seen.add(chat(g, "gpt-3.5-turbo", "word ".repeat(repeat * 10)));
        }
        seen.add(stream(g, LONG + " stream"));
        seen.add(embeddings(g));
        seen.add(tools(g));
        return seen;
    }

    /** Texts for a concurrent burst: every script text, each made distinct, some long enough to be memoised. */
    static List<String> burstTexts() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add("burst " + i + ": " + TEXTS.get(i % TEXTS.size()));
        }
        return texts;
    }

    /** Prompt tokens of one chat completion of {@code text} (gpt-4o-mini, no limits involved). */
    static long promptTokens(GatewayProcess g, String text) {
        return g.sdk.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage(text).maxCompletionTokens(4).build()).usage().orElseThrow().promptTokens();
    }

    private static String chat(GatewayProcess g, String model, String text) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(model)
                .addSystemMessage("You are terse.")
                .addMessage(ChatCompletionUserMessageParam.builder().content(text).name("alice").build())
                .maxCompletionTokens(16).build();
        try {
            HttpResponseFor<ChatCompletion> r = g.sdk.chat().completions().withRawResponse().create(params);
            ChatCompletion c = r.parse();
            var u = c.usage().orElseThrow();
            return "chat " + model + " " + r.statusCode() + " prompt=" + u.promptTokens() + " completion="
                    + u.completionTokens() + limits(r.headers().values("x-ratelimit-remaining-tokens"),
                    r.headers().values("x-ratelimit-remaining-requests"));
        } catch (OpenAIServiceException e) {
            return "chat " + model + " " + e.statusCode() + " " + e.code().orElse("-") + " " + e.type().orElse("-");
        }
    }

    private static String limits(List<String> tokens, List<String> requests) {
        return " remaining-tokens=" + tokens + " remaining-requests=" + requests;
    }

    private static String stream(GatewayProcess g, String text) {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage(text).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = g.sdk.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunks::add);
        }
        var u = chunks.get(chunks.size() - 1).usage().orElseThrow();
        return "stream chunks=" + chunks.size() + " prompt=" + u.promptTokens() + " completion=" + u.completionTokens();
    }

    private static String embeddings(GatewayProcess g) {
        CreateEmbeddingResponse r = g.sdk.embeddings().create(EmbeddingCreateParams.builder()
                .model("text-embedding-3-small").inputOfArrayOfStrings(TEXTS).build());
        return "embeddings n=" + r.data().size() + " prompt=" + r.usage().promptTokens();
    }

    private static String tools(GatewayProcess g) throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":8,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Use tools.\"},"
                + "{\"role\":\"user\",\"content\":\"Weather in Paris and Zürich?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
                + "\"Current weather for a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
                + "{\"type\":\"string\",\"description\":\"City name\"},\"unit\":{\"type\":\"string\",\"enum\":"
                + "[\"c\",\"f\"]}},\"required\":[\"city\"]}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}";
        HttpResponse<String> r = g.post("/v1/chat/completions", body);
        String b = r.body();
        int at = b.indexOf("\"usage\"");
        return "tools " + r.statusCode() + " " + (at < 0 ? b : b.substring(at))
                + limits(r.headers().allValues("x-ratelimit-remaining-tokens"),
                r.headers().allValues("x-ratelimit-remaining-requests"));
    }
}
