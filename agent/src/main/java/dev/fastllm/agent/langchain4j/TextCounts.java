package dev.fastllm.agent.langchain4j;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fastllm.core.tokens.TokenCounter;
import dev.fastllm.core.tokens.Tokenizer;

/**
 * Token counts of message texts for one encoding, remembered up to a bound in bytes, so that a recount of an
 * unchanged chat history costs one lookup per message instead of a tokenization. Texts counted alone (not as a
 * message) are looked up but not added ({@link #lookUpOrCount}). A count is a pure function of
 * the text, so a remembered count is exact by construction. Every text is remembered, short ones included
 * (a history of short messages is recounted as often as one of long ones); the key is the caller's own
 * {@code String}, whose hash the JDK caches, so a repeated lookup hashes nothing.
 *
 * <p>Bound: each entry is weighed as {@link #ENTRY_BYTES} plus two bytes per char (the text's array in the worst
 * case, UTF-16), and the cache holds at most {@link #MAX_BYTES} of that weight, so at most 8 MiB per encoding
 * and 16 MiB for both. {@link #ENTRY_BYTES} is an upper estimate of what an entry keeps reachable beyond the
 * text's chars: the {@code String} object and its array header (40 bytes), Caffeine's node (at most 64), the
 * map's node and table slot (48), a boxed count (16) and the frequency sketch's share (8). Maintenance runs on
 * the writing thread, so the bound holds after every insertion; an evicted text is no longer referenced by
 * the memo. Caffeine admits by frequency (W-TinyLFU), so a stream of one-off texts (a document splitter's
 * growing segments) does not push out a history that is counted again and again.
 */
final class TextCounts {

    /** Weight of one entry beyond its chars (see the class comment). */
    static final int ENTRY_BYTES = 184;
    /** The most weight this memo holds, per encoding. */
    static final long MAX_BYTES = 8L << 20;

    private final Tokenizer tokenizer;
    /** Texts counted alone on a memo miss: a splitter's segment is counted from the segment it grew from. */
    private final TokenCounter growing;
    private final Cache<String, Integer> counts;

    TextCounts(Tokenizer tokenizer, long maxBytes) {
        this.tokenizer = tokenizer;
        this.growing = TokenCounter.resuming(tokenizer);
        this.counts = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String text, Integer n) -> weight(text))
                .executor(Runnable::run)
                .build();
    }

    /** The weight {@code text} counts for. */
    static int weight(String text) {
        long w = ENTRY_BYTES + 2L * text.length();
        return w > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) w;
    }

    /** The text's ordinary token count (no special tokens recognised), remembered. {@code text} is not null. */
    int count(String text) {
        Integer known = counts.getIfPresent(text);
        if (known != null) {
            return known;
        }
        int n = tokenizer.count(text);
        counts.put(text, n);
        return n;
    }

    /**
     * The text's count, from the memo when it is there, else counted and not remembered: for texts that are rarely
     * counted twice (a document splitter's growing segments), which would only churn the memo. Counted by
     * accel-core's resuming counter, which scans only what a text adds to one counted shortly before on the same
     * thread (and joins the pieces of one it ends with): a splitter recounts its segment after every appended
     * part. Exact either way; the recent texts it keeps (at most 32 of up to 16 384 chars, about 1 MiB per
     * encoding) are in addition to this memo's bound.
     */
    int lookUpOrCount(String text) {
        Integer known = counts.getIfPresent(text);
        return known != null ? known : growing.count(text);
    }

    /** The weight held now, after pending maintenance (for tests and memory reports). */
    long heldBytes() {
        counts.cleanUp();
        return counts.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
