package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputMessage;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import dev.fastllm.gateway.tokens.PromptTokenCounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK, with response validation on (every required field present and typed), parses
 * the mock's Responses API answers and streams, and their usage agrees with the chat endpoint's.
 */
class MockResponsesOpenAiSdkTest {

    private static final String INSTRUCTIONS = "You are a terse assistant.";
    private static final String INPUT = "Tell me about the weather in Lisbon today please";

    private static MockProvider mock;
    private static OpenAIClient client;

    @BeforeAll
    static void start() {
        mock = MockProvider.start("127.0.0.1", 0, new MockOptions().streamChunks(3));
        client = OpenAIOkHttpClient.builder().baseUrl(mock.baseUri().toString()).apiKey("sk-test").maxRetries(0)
                .responseValidation(true).build();
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

    private static ResponseCreateParams.Builder request() {
        return ResponseCreateParams.builder().model("gpt-4o-mini").instructions(INSTRUCTIONS).input(INPUT);
    }

    private static String text(Response response) {
        assertEquals(1, response.output().size());
        ResponseOutputMessage message = response.output().get(0).message().orElseThrow();
        assertEquals(1, message.content().size());
        ResponseOutputText text = message.content().get(0).outputText().orElseThrow();
        assertTrue(text.annotations().isEmpty());
        return text.text();
    }

    @Test
    void createAnswersLikeChatWithTheSameUsage() {
        Response response = client.responses().create(request().build());
        assertTrue(response.id().startsWith("resp_"), response.id());
        assertEquals("gpt-4o-mini", response.model().asChat().asString());
        assertEquals(ResponseStatus.COMPLETED, response.status().orElseThrow());
        assertEquals(INSTRUCTIONS, response.instructions().orElseThrow().asString());
        assertEquals(ResponseOutputMessage.Status.COMPLETED,
                response.output().get(0).message().orElseThrow().status());
        String text = text(response);

        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini").addSystemMessage(INSTRUCTIONS).addUserMessage(INPUT).build());
        assertEquals(chat.choices().get(0).message().content().orElseThrow(), text);
        assertTrue(text.contains("Tell me about the weather in Lisbon today"), text);

        ResponseUsage usage = response.usage().orElseThrow();
        CompletionUsage chatUsage = chat.usage().orElseThrow();
        assertEquals(chatUsage.promptTokens(), usage.inputTokens());
        assertEquals(chatUsage.completionTokens(), usage.outputTokens());
        assertEquals(usage.inputTokens() + usage.outputTokens(), usage.totalTokens());
        assertEquals(0, usage.inputTokensDetails().cachedTokens());
        assertEquals(0, usage.outputTokensDetails().reasoningTokens());
    }

    @Test
    void inputTokensAreWhatTheGatewayCountsForTextInput() throws Exception {
        List<ResponseInputItem> input = List.of(
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.DEVELOPER).content("Answer in French.").build()),
                ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                        .role(EasyInputMessage.Role.USER).content("What is the capital of Portugal?").build()),
                ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                        .callId("call_1").output("Lisbon").build()));
        Response response = client.responses().create(ResponseCreateParams.builder().model("gpt-4.1-mini")
                .instructions(INSTRUCTIONS).inputOfResponse(input).build());
        assertTrue(text(response).contains("What is the capital of Portugal?"));

        ObjectMapper json = new ObjectMapper();
        int counted = new PromptTokenCounter().countResponsesInput("gpt-4.1-mini", json.valueToTree(INSTRUCTIONS),
                json.readTree("""
                        [{"role":"developer","content":"Answer in French.","type":"message"},
                         {"role":"user","content":"What is the capital of Portugal?","type":"message"},
                         {"type":"function_call_output","call_id":"call_1","output":"Lisbon"}]"""), null);
        assertEquals(counted, response.usage().orElseThrow().inputTokens());
    }

    @Test
    void maxOutputTokensCutsTheAnswerAndMarksItIncomplete() {
        Response full = client.responses().create(request().build());
        Response cut = client.responses().create(request().maxOutputTokens(5).build());
        assertEquals(ResponseStatus.INCOMPLETE, cut.status().orElseThrow());
        assertEquals(Response.IncompleteDetails.Reason.MAX_OUTPUT_TOKENS,
                cut.incompleteDetails().orElseThrow().reason().orElseThrow());
        assertEquals(ResponseOutputMessage.Status.INCOMPLETE, cut.output().get(0).message().orElseThrow().status());
        assertEquals(5, cut.usage().orElseThrow().outputTokens());
        assertEquals(5, cut.maxOutputTokens().orElseThrow());
        assertTrue(text(full).startsWith(text(cut)));
        assertTrue(text(cut).length() < text(full).length());
    }

    @Test
    void streamingSendsEveryEventInOrderAndEndsWithTheUsage() {
        Response plain = client.responses().create(request().build());
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(request().build())) {
            stream.stream().forEach(events::add);
        }
        List<String> expected = List.of("created", "in_progress", "output_item.added", "content_part.added",
                "delta", "delta", "delta", "output_text.done", "content_part.done", "output_item.done", "completed");
        assertEquals(expected, events.stream().map(MockResponsesOpenAiSdkTest::kind).toList());
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, sequenceNumber(events.get(i)), "sequence_number of event " + i);
        }

        Response created = events.get(0).asCreated().response();
        assertEquals(ResponseStatus.IN_PROGRESS, created.status().orElseThrow());
        assertTrue(created.output().isEmpty());
        assertFalse(created.usage().isPresent());
        assertEquals(ResponseStatus.IN_PROGRESS, events.get(1).asInProgress().response().status().orElseThrow());
        String messageId = events.get(2).asOutputItemAdded().item().message().orElseThrow().id();
        assertEquals(messageId, events.get(3).asContentPartAdded().itemId());

        StringBuilder deltas = new StringBuilder();
        for (ResponseStreamEvent e : events.subList(4, 7)) {
            assertEquals(messageId, e.asOutputTextDelta().itemId());
            assertFalse(e.asOutputTextDelta().delta().isEmpty());
            deltas.append(e.asOutputTextDelta().delta());
        }
        assertEquals(text(plain), deltas.toString());
        assertEquals(deltas.toString(), events.get(7).asOutputTextDone().text());
        assertEquals(deltas.toString(), events.get(8).asContentPartDone().part().outputText().orElseThrow().text());
        assertEquals(deltas.toString(), events.get(9).asOutputItemDone().item().message().orElseThrow().content()
                .get(0).outputText().orElseThrow().text());

        Response completed = events.get(10).asCompleted().response();
        assertEquals(created.id(), completed.id());
        assertEquals(ResponseStatus.COMPLETED, completed.status().orElseThrow());
        assertEquals(deltas.toString(), text(completed));
        assertEquals(plain.usage().orElseThrow(), completed.usage().orElseThrow());
    }

    @Test
    void aStreamCutAtMaxOutputTokensEndsIncomplete() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses()
                .createStreaming(request().maxOutputTokens(4).build())) {
            stream.stream().forEach(events::add);
        }
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertTrue(last.isIncomplete(), kind(last));
        assertEquals(ResponseStatus.INCOMPLETE, last.asIncomplete().response().status().orElseThrow());
        assertEquals(4, last.asIncomplete().response().usage().orElseThrow().outputTokens());
        assertEquals(ResponseOutputMessage.Status.INCOMPLETE,
                events.get(events.size() - 2).asOutputItemDone().item().message().orElseThrow().status());
    }

    @Test
    void errorsMapToTheSdkExceptions() {
        mock.options().errorRate(1.0);
        assertEquals(500, assertThrows(InternalServerException.class,
                () -> client.responses().create(request().build())).statusCode());
        mock.options().errorRate(0).rateLimitRate(1.0);
        assertEquals(429, assertThrows(RateLimitException.class,
                () -> client.responses().create(request().build())).statusCode());
        mock.options().rateLimitRate(0);
        BadRequestException bad = assertThrows(BadRequestException.class, () -> client.responses().create(
                ResponseCreateParams.builder().model("gpt-4o-mini").inputOfResponse(List.of()).build()));
        assertEquals("input", bad.param().orElseThrow());
        assertEquals("invalid_request_error", bad.type().orElseThrow());
    }

    private static String kind(ResponseStreamEvent e) {
        return seen(e).kind();
    }

    private static long sequenceNumber(ResponseStreamEvent e) {
        return seen(e).sequenceNumber();
    }

    private record Seen(String kind, long sequenceNumber) {
    }

    /** The kind of a stream event the mock sends, and its sequence number. */
    private static Seen seen(ResponseStreamEvent e) {
        if (e.isCreated()) {
            return new Seen("created", e.asCreated().sequenceNumber());
        } else if (e.isInProgress()) {
            return new Seen("in_progress", e.asInProgress().sequenceNumber());
        } else if (e.isOutputItemAdded()) {
            return new Seen("output_item.added", e.asOutputItemAdded().sequenceNumber());
        } else if (e.isContentPartAdded()) {
            return new Seen("content_part.added", e.asContentPartAdded().sequenceNumber());
        } else if (e.isOutputTextDelta()) {
            return new Seen("delta", e.asOutputTextDelta().sequenceNumber());
        } else if (e.isOutputTextDone()) {
            return new Seen("output_text.done", e.asOutputTextDone().sequenceNumber());
        } else if (e.isContentPartDone()) {
            return new Seen("content_part.done", e.asContentPartDone().sequenceNumber());
        } else if (e.isOutputItemDone()) {
            return new Seen("output_item.done", e.asOutputItemDone().sequenceNumber());
        } else if (e.isCompleted()) {
            return new Seen("completed", e.asCompleted().sequenceNumber());
        } else if (e.isIncomplete()) {
            return new Seen("incomplete", e.asIncomplete().sequenceNumber());
        }
        return new Seen("other: " + e, -1);
    }
}
