package dev.fastllm.core.tokens;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.Executor;

/**
 * Remembers whole-text counts in a Caffeine cache weighed by text length. Caffeine because this layer
 * holds arbitrary, possibly large texts chosen by callers: admission and eviction by frequency and
 * recency (W-TinyLFU) and a weight bound matter more here than in the piece cache, whose entries are
 * tiny and cheap to recount. The key is the text as a String (a CharSequence may be mutable).
 */
final class MemoizingTokenCounter implements TokenCounter {
    private final TokenCounter counter;
    private final long maxChars;
    private final Cache<String, Integer> counts;

    MemoizingTokenCounter(TokenCounter counter, long maxChars, Executor maintenance) {
        if (counter == null) {
            throw new NullPointerException("counter");
        }
        if (maxChars < 0) {
            throw new IllegalArgumentException("maxChars must be >= 0: " + maxChars);
        }
        this.counter = counter;
        this.maxChars = maxChars;
        Caffeine<String, Integer> builder = Caffeine.newBuilder()
                .maximumWeight(maxChars)
                .weigher((String text, Integer tokens) -> text.length());
        if (maintenance != null) {
            builder.executor(maintenance);
        }
        this.counts = builder.build();
    }

    @Override
    public int count(CharSequence text) {
        if (text == null || text.length() == 0 || text.length() > maxChars) {
            return counter.count(text);
        }
        String key = text.toString();
        Integer known = counts.getIfPresent(key);
        if (known != null) {
            return known;
        }
        int tokens = counter.count(key);
        counts.put(key, tokens);
        return tokens;
    }

    @Override
    public String encodingName() {
        return counter.encodingName();
    }

    /** Chars held now, after pending maintenance (for tests). */
    long heldChars() {
        counts.cleanUp();
        return counts.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    long maxChars() {
        return maxChars;
    }

    @Override
    public String toString() {
        return "TokenCounter[" + counter.encodingName() + ", memoizing up to " + maxChars + " chars]";
    }
}
