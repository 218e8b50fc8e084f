package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mock's benchmark mode: usage estimated from text length, the same for every model, cheap for long prompts. */
class MockUsageEstimateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void estimateIsOneTokenPerFourCharsRoundedUp() {
        MockTokens.Counter c = MockTokens.ESTIMATE;
        assertEquals(0, c.count(""));
        assertEquals(1, c.count("a"));
        assertEquals(1, c.count("abcd"));
        assertEquals(2, c.count("abcde"));
        assertEquals(4_000, c.count("x".repeat(16_000)));
    }

    @Test
    void estimateTruncatesToFourCharsPerTokenWithoutSplittingACharacter() {
        MockTokens.Counter c = MockTokens.ESTIMATE;
        assertEquals("abcdefgh", c.truncate("abcdefghij", 2));
        assertEquals("abc", c.truncate("abc", 1));
        String emoji = "abc\uD83D\uDE00xyz"; // the 4th char is the high half of a pair
        assertEquals("abc", c.truncate(emoji, 1));
        for (int max = 1; max <= 4; max++) {
            String cut = c.truncate(emoji, max);
            assertTrue(c.count(cut) <= max, cut);
            assertFalse(!cut.isEmpty() && Character.isHighSurrogate(cut.charAt(cut.length() - 1)), cut);
        }
    }

    @Test
    void chatUsageIsTheMessageRecipeOverEstimatedCountsAndTheSameForBothEncodings() throws Exception {
        String system = "You are terse.";                      // 14 chars: 4
        String user = "Tell me about the weather in Lisbon";   // 35 chars: 9
        int expected = 3 + (3 + 2 + 4) + (3 + 1 + 9);          // priming + (per message + role + content) each
        for (String model : new String[] {"gpt-4o-mini", "gpt-3.5-turbo"}) {
            JsonNode body = JSON.readTree("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\""
                    + system + "\"},{\"role\":\"user\",\"content\":\"" + user + "\"}]}");
            MockApi.Chat estimated = MockApi.chat(body, MockOptions.Usage.ESTIMATE);
            assertEquals(expected, estimated.promptTokens(), model);
            assertEquals(MockTokens.ESTIMATE.count(estimated.content()), estimated.completionTokens(), model);
            MockApi.Chat exact = MockApi.chat(body, MockOptions.Usage.EXACT);
            assertEquals(exact.content(), estimated.content(), "the reply itself does not depend on the counting");
        }
        JsonNode cut = JSON.readTree("{\"model\":\"gpt-4o\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        MockApi.Chat chat = MockApi.chat(cut, MockOptions.Usage.ESTIMATE);
        assertEquals(12, chat.content().length());
        assertEquals("length", chat.finishReason());
    }

    @Test
    void theRunningMockReportsEstimatedUsageWhenAskedAndExactOtherwise() throws Exception {
        MockOptions options = new MockOptions().usageCounting(MockOptions.Usage.ESTIMATE);
        String prose = "The quick brown fox jumps over the lazy dog. ".repeat(200); // 9 000 chars
        String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prose + "\"}]}";
        try (MockProvider mock = MockProvider.start("127.0.0.1", 0, options)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest post = HttpRequest.newBuilder(URI.create(mock.baseUri() + "/chat/completions"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build();
            JsonNode estimated = JSON.readTree(http.send(post, HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(3 + 3 + 1 + 2_250, estimated.path("usage").path("prompt_tokens").asInt());

            options.usageCounting(MockOptions.Usage.EXACT);
            JsonNode exact = JSON.readTree(http.send(post, HttpResponse.BodyHandlers.ofString()).body());
            int exactPrompt = exact.path("usage").path("prompt_tokens").asInt();
            assertEquals(3 + 3 + 1 + MockTokens.count(MockTokens.encodingFor("gpt-4o-mini"), prose), exactPrompt);
            assertNotEquals(2_257, exactPrompt);
        }
    }
}
