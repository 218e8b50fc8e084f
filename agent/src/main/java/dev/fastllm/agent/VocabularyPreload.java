package dev.fastllm.agent;

import dev.fastllm.core.tokens.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Reads accel-core vocabularies on a daemon thread as soon as it is known that a point will need them, so that
 * the first rewritten call does not read them itself. Reading one takes 0.1 to 0.3 s in a fresh JVM (mostly
 * interpreted code); the signals come that much earlier: a rewritten {@code PromptTokenCounter} class (the gateway
 * counts at its first request), or JTokkit's factory beginning to build {@code o200k_base} or
 * {@code cl100k_base} (its own tables take longer than ours; the first count then identifies the encoding
 * against our vocabulary). A caller that needs a vocabulary still being read waits for it (class
 * initialisation), so nothing is read twice; a failure here is left to the first call, which meets it again
 * and falls back to the original. Each encoding is requested once per JVM.
 */
public final class VocabularyPreload {

    private static final VocabularyPreload SHARED = new VocabularyPreload(name -> Tokenizer.of(name).load());

    private final Set<String> requested = ConcurrentHashMap.newKeySet();
    private final Consumer<String> reader;

    /** @param reader reads one encoding's vocabulary (accel-core's, except in tests) */
    VocabularyPreload(Consumer<String> reader) {
        this.reader = reader;
    }

    /** Starts reading those of {@code encodingNames} not requested before in this JVM, in order, on one daemon thread. */
    public static void start(String... encodingNames) {
        SHARED.request(encodingNames);
    }

    /** {@link #start} for this instance; returns the thread started, or null when nothing was left to read. */
    Thread request(String... encodingNames) {
        try {
            List<String> now = new ArrayList<>(encodingNames.length);
            for (String name : encodingNames) {
                if (Tokenizer.supports(name) && requested.add(name)) {
                    now.add(name);
                }
            }
            if (now.isEmpty()) {
                return null;
            }
            Thread t = new Thread(() -> {
                for (String name : now) {
                    try {
                        reader.accept(name);
                    } catch (Throwable ignored) {
                        // the first call that needs it reads it again and falls back if it fails
                    }
                }
            }, "fast-llm-preload");
            t.setDaemon(true);
            t.setContextClassLoader(null);
            t.start();
            return t;
        } catch (Throwable ignored) {
            return null; // only sooner, never needed
        }
    }
}
