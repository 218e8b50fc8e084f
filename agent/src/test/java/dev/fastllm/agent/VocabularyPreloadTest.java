package dev.fastllm.agent;

import dev.fastllm.core.tokens.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vocabularies requested ahead are read on one daemon thread, in order, each once; names accel-core does not
 * read are ignored; a reader that fails leaves the rest of the request to go on.
 */
class VocabularyPreloadTest {

    @Test
    void eachRequestedVocabularyIsReadOnceOnADaemonThread() throws Exception {
        List<String> read = new CopyOnWriteArrayList<>();
        VocabularyPreload preload = new VocabularyPreload(name -> read.add(name + " on "
                + Thread.currentThread().getName() + (Thread.currentThread().isDaemon() ? " (daemon)" : "")));
        Thread first = preload.request("o200k_base", "r50k_base", "cl100k_base");
        assertNotNull(first);
        first.join(60_000);
        assertEquals(List.of("o200k_base on fast-llm-preload (daemon)", "cl100k_base on fast-llm-preload (daemon)"),
                read);
        assertNull(preload.request("cl100k_base", "o200k_base"), "each encoding once");
        assertNull(preload.request("p50k_base"), "not an encoding accel-core reads");
        assertEquals(2, read.size());
    }

    @Test
    void aFailingReadLeavesTheNextOneToGoOn() throws Exception {
        List<String> read = new CopyOnWriteArrayList<>();
        VocabularyPreload preload = new VocabularyPreload(name -> {
            if (name.equals("cl100k_base")) {
                throw new IllegalStateException("cannot read");
            }
            read.add(name);
        });
        Thread t = preload.request("cl100k_base", "o200k_base");
        t.join(60_000);
        assertEquals(List.of("o200k_base"), read);
    }

    @Test
    void theSharedPreloadReadsAccelCoresVocabulary() throws Exception {
        VocabularyPreload.start("o200k_base");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Tokenizer.isLoaded("o200k_base") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Tokenizer.isLoaded("o200k_base"));
        assertEquals(2, Tokenizer.of("o200k_base").count("hello world"));
    }
}
