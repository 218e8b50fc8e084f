package dev.fastllm.core.tokens;

/**
 * Encodes text to token ids and decodes ids to bytes and text exactly as JTokkit 1.1.0's
 * {@code Encoding} of the same name does, and counts as {@link TokenCounter} does: a drop-in for
 * JTokkit's cl100k_base and o200k_base with the same answers, errors included, in JDK types.
 *
 * <p>Special-token handling follows JTokkit: the {@code ...Ordinary} methods treat special-token text
 * such as {@code <|endoftext|>} as ordinary text; {@link #encode(CharSequence)},
 * {@link #encode(CharSequence, int)} and {@link #countTokens} throw JTokkit's
 * {@code UnsupportedOperationException} when the text contains one ({@link #containsSpecialToken} says
 * beforehand). Decoding accepts the special tokens' ids and yields their text.
 *
 * <p>One instance per encoding per JVM, immutable and thread-safe; each encoding's vocabulary is read
 * once per JVM, on the first call that needs it (or {@link #load()}), and shared by every caller.
 */
public interface Tokenizer extends TokenCounter {

    /**
     * The tokenizer of an encoding; the same instance on every call.
     *
     * @param encodingName {@code "cl100k_base"} or {@code "o200k_base"}
     * @throws IllegalArgumentException for any other name
     */
    static Tokenizer of(String encodingName) {
        if (Encoding.CL100K_BASE.equals(encodingName)) {
            return Cl100kTokenizer.INSTANCE;
        }
        if (Encoding.O200K_BASE.equals(encodingName)) {
            return O200kTokenizer.INSTANCE;
        }
        throw new IllegalArgumentException(Encoding.unknown(encodingName));
    }

    /** Whether {@link #of} serves an encoding of that name. */
    static boolean supports(String encodingName) {
        return Encoding.CL100K_BASE.equals(encodingName) || Encoding.O200K_BASE.equals(encodingName);
    }

    /** Whether that encoding's vocabulary has been read in this JVM; never reads it. */
    static boolean isLoaded(String encodingName) {
        return supports(encodingName) && Encoding.loaded(encodingName) != null;
    }

    /** Reads this encoding's vocabulary now if no call has yet; returns at once afterwards. */
    void load();

    /** JTokkit's {@code encodeOrdinary(text)}: the token ids of {@code text}; empty for null. */
    int[] encodeOrdinary(CharSequence text);

    /**
     * JTokkit's {@code encodeOrdinary(text, maxTokens)}: at most {@code maxTokens} ids, cut back further
     * (as JTokkit does) until they decode to a prefix of {@code text}; see {@link EncodedText}.
     */
    EncodedText encodeOrdinary(CharSequence text, int maxTokens);

    /**
     * JTokkit's {@code encode(text)}.
     *
     * @throws UnsupportedOperationException if {@code text} contains a special token, as JTokkit does
     */
    int[] encode(CharSequence text);

    /**
     * JTokkit's {@code encode(text, maxTokens)}.
     *
     * @throws UnsupportedOperationException if {@code text} contains a special token, as JTokkit does
     */
    EncodedText encode(CharSequence text, int maxTokens);

    /**
     * JTokkit's {@code countTokens(text)}; {@link #count} is its {@code countTokensOrdinary}.
     *
     * @throws UnsupportedOperationException if {@code text} contains a special token, as JTokkit does
     */
    int countTokens(CharSequence text);

    /** Whether {@code text} contains one of this encoding's special tokens (where JTokkit's encode throws). */
    boolean containsSpecialToken(CharSequence text);

    /**
     * JTokkit's {@code decodeBytes}: the bytes of the tokens, one after another.
     *
     * @throws NullPointerException for an id that is no token of this encoding, as JTokkit throws
     */
    byte[] decodeBytes(int[] tokens);

    /** JTokkit's {@code decode}: {@link #decodeBytes} read as UTF-8 (malformed bytes become U+FFFD). */
    String decode(int[] tokens);

    /** How many ordinary (non-special) tokens this encoding has; their ids run from 0 to this count - 1. */
    int ordinaryTokenCount();

    /**
     * Whether {@code id} is an ordinary token of this encoding whose bytes are exactly {@code bytes}: what
     * {@link #decodeBytes} of that one id would answer, without allocating (for checking another
     * implementation's vocabulary entry by entry).
     */
    boolean isOrdinaryToken(int id, byte[] bytes);
}
