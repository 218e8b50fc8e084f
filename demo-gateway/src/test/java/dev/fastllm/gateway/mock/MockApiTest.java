package dev.fastllm.gateway.mock;

import com.knuddels.jtokkit.api.Encoding;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MockApiTest {

    @Test
    void splitKeepsTextAndSurrogatePairs() {
        assertEquals(List.of("ab", "cd", "e"), MockApi.split("abcde", 3));
        assertEquals(List.of("a", "b"), MockApi.split("ab", 5));
        assertEquals(List.of(""), MockApi.split("", 4));
        List<String> parts = MockApi.split("x\uD83D\uDE00y\uD83D\uDE00", 4);
        assertEquals(4, parts.size());
        assertEquals("x\uD83D\uDE00y\uD83D\uDE00", String.join("", parts));
        parts.forEach(p -> assertTrue(!Character.isHighSurrogate(p.charAt(p.length() - 1)), p));
    }

    @Test
    void encodingFollowsTheModelFamily() {
        Encoding o200k = MockTokens.encodingFor("gpt-4o-mini");
        Encoding cl100k = MockTokens.encodingFor("gpt-3.5-turbo");
        assertNotSame(o200k, cl100k);
        for (String m : List.of("gpt-4o", "openai/gpt-4o", "gpt-4.1-nano", "gpt-5", "o1-mini", "o3", "o4-mini",
                "ft:gpt-4o-mini:org::id", "chatgpt-4o-latest")) {
            assertSame(o200k, MockTokens.encodingFor(m), m);
        }
        for (String m : List.of("gpt-4", "gpt-4-turbo", "text-embedding-3-small", "mock", "omni", "claude-3")) {
            assertSame(cl100k, MockTokens.encodingFor(m), m);
        }
    }

    @Test
    void truncationNeverExceedsTheLimitNorSplitsACharacter() {
        Encoding e = MockTokens.encodingFor("gpt-4o");
        String text = "Grüße aus Köln 🙂🙂🙂 und 東京 — mixed scripts, emoji and punctuation!";
        for (int max = 1; max <= e.countTokensOrdinary(text) + 1; max++) {
            String cut = MockTokens.truncate(e, text, max);
            assertTrue(text.startsWith(cut), cut);
            assertTrue(e.countTokensOrdinary(cut) <= max, max + ": " + cut);
            assertTrue(cut.indexOf('\uFFFD') < 0, cut);
        }
        assertEquals(text, MockTokens.truncate(e, text, 10_000));
    }

    @Test
    void vectorsAreDeterministicAndUnitLength() {
        float[] a = MockApi.vector(42, 300);
        assertArrayEquals(a, MockApi.vector(42, 300));
        double sum = 0;
        for (float f : a) {
            sum += f * f;
        }
        assertEquals(1.0, Math.sqrt(sum), 1e-5);
        assertTrue(a[0] != MockApi.vector(43, 300)[0]);
    }
}
