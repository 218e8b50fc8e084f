package dev.fastllm.agent;

import dev.fastllm.core.tokens.Tokenizer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A vocabulary requested ahead is read on another thread, once; unknown names are ignored. */
class VocabularyPreloadTest {

    @Test
    void aRequestedVocabularyIsReadOnADaemonThreadAndAnUnknownNameIsIgnored() throws Exception {
        VocabularyPreload.start("o200k_base", "r50k_base");
        assertTrue(VocabularyPreload.requested("o200k_base"));
        assertFalse(VocabularyPreload.requested("r50k_base"), "not an encoding accel-core reads");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Tokenizer.isLoaded("o200k_base") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Tokenizer.isLoaded("o200k_base"), "read by the preload thread");
        // asked again: nothing more to do, and the tokenizer answers from what was read
        VocabularyPreload.start("o200k_base");
        assertEquals(2, Tokenizer.of("o200k_base").count("hello world"));
    }
}
