package dev.fastllm.core.tokens;

/**
 * Counts the tokens of a text exactly as JTokkit 1.1.0's {@code Encoding.countTokensOrdinary} does
 * with the same encoding (special-token text such as {@code <|endoftext|>} counts as ordinary text),
 * several times faster: hand-written pre-tokenizers instead of a regex, byte-pair merging over reused
 * arrays, and a lock-free cache of piece counts shared by every caller of an encoding.
 *
 * <p>Instances are immutable, thread-safe and shareable. Each encoding's vocabulary is read once per
 * JVM, from the rank file that the JTokkit jar carries, on the first {@code count} with that encoding.
 */
public interface TokenCounter {

    /**
     * The counter of an encoding.
     *
     * @param encodingName {@code "cl100k_base"} or {@code "o200k_base"}
     * @throws IllegalArgumentException for any other name
     */
    static TokenCounter of(String encodingName) {
        if (Encoding.CL100K_BASE.equals(encodingName)) {
            return Cl100kTokenizer.INSTANCE;
        }
        if (Encoding.O200K_BASE.equals(encodingName)) {
            return O200kTokenizer.INSTANCE;
        }
        throw new IllegalArgumentException(Encoding.unknown(encodingName));
    }

    /**
     * A counter that remembers the counts of whole texts, for callers that count the same texts again
     * and again (a chat memory recounting its history on every message). Bounded by the total length of
     * the texts it holds (least recently and frequently used go first); a text longer than the bound
     * is counted and not remembered. Counts are a pure function of the text, so remembering them never
     * changes an answer.
     *
     * @param counter  the counter whose answers are remembered
     * @param maxChars the most chars of text held at once, summed over the remembered texts
     */
    static TokenCounter memoizing(TokenCounter counter, long maxChars) {
        return new MemoizingTokenCounter(counter, maxChars, null);
    }

    /**
     * A counter for texts that grow from recently counted ones, as a document splitter's segments do: a text that
     * starts with a text counted shortly before on the same thread (of up to 16 384 chars) is scanned only from
     * near that text's end, and a scan joins the known pieces of a recent text the new one ends with. The answer is
     * exactly {@code counter}'s; earlier texts are compared char by char before their counts are used. Holds at
     * most 32 recent texts (about 1 MiB); thread-safe.
     *
     * @param counter a counter from {@link #of}
     * @throws IllegalArgumentException for any other counter
     */
    static TokenCounter resuming(TokenCounter counter) {
        return new ResumingTokenCounter(counter);
    }

    /**
     * Heap bytes held by an encoding loaded in this JVM (vocabulary and piece cache), or 0 when it
     * has not been loaded; never loads it.
     *
     * @throws IllegalArgumentException for an unknown encoding name
     */
    static long heapBytes(String encodingName) {
        Encoding loaded = Encoding.loaded(encodingName);
        return loaded == null ? 0 : loaded.heapBytes();
    }

    /**
     * The number of tokens of {@code text}; 0 for null or empty text (as JTokkit answers for null).
     * Unpaired surrogates are counted as JTokkit counts them (see the package documentation).
     */
    int count(CharSequence text);

    /** {@code "cl100k_base"} or {@code "o200k_base"}. */
    String encodingName();
}
