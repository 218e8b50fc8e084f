package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.CharBuffer;
import org.junit.jupiter.api.Test;

class TokenCounterTest {

    @Test
    void knownEncodingsOnly() {
        assertEquals("cl100k_base", TokenCounter.of("cl100k_base").encodingName());
        assertEquals("o200k_base", TokenCounter.of("o200k_base").encodingName());
        assertSame(TokenCounter.of("o200k_base"), TokenCounter.of("o200k_base"));
        for (String bad : new String[] {"p50k_base", "r50k_base", "O200K_BASE", "", " o200k_base"}) {
            assertThrows(IllegalArgumentException.class, () -> TokenCounter.of(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> TokenCounter.of(null));
        assertThrows(IllegalArgumentException.class, () -> TokenCounter.heapBytes("gpt2"));
        assertThrows(IllegalArgumentException.class, () -> TokenCounter.memoizing(TokenCounter.of("o200k_base"), -1));
    }

    @Test
    void anyCharSequenceCountsAsItsString() {
        String text = "Hello, wörld! I'm 12345 \uD83D\uDE00 \uD800 tokens.\n";
        for (String encoding : Properties.ENCODINGS) {
            TokenCounter counter = TokenCounter.of(encoding);
            int expected = Oracle.count(encoding, text);
            assertEquals(expected, counter.count(text));
            assertEquals(expected, counter.count(new StringBuilder(text)));
            assertEquals(expected, counter.count(CharBuffer.wrap(text)));
            assertEquals(0, counter.count(""));
            assertEquals(0, counter.count(null));
            assertEquals(Oracle.encoding(encoding).countTokensOrdinary(null), counter.count(null));
        }
    }

    @Test
    void specialTokenTextCountsAsOrdinaryText() {
        for (String encoding : Properties.ENCODINGS) {
            for (String special : new String[] {"<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>x<|fim_suffix|>"}) {
                assertEquals(Oracle.count(encoding, special), TokenCounter.of(encoding).count(special));
                assertTrue(TokenCounter.of(encoding).count(special) > 1);
            }
        }
    }

    @Test
    void loadedEncodingsReportTheirHeapBytes() {
        TokenCounter.of("o200k_base").count("load me");
        TokenCounter.of("cl100k_base").count("load me");
        long o200k = TokenCounter.heapBytes("o200k_base");
        long cl100k = TokenCounter.heapBytes("cl100k_base");
        // the vocabulary's token bytes alone: 1.3 MB and 0.7 MB
        assertTrue(o200k > 1_300_000 && o200k < 64_000_000, "o200k_base " + o200k);
        assertTrue(cl100k > 600_000 && cl100k < o200k, "cl100k_base " + cl100k);
    }
}
