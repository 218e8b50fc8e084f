package dev.fastllm.core.tokens;

/**
 * The result of encoding with a token limit, with the meaning of JTokkit 1.1.0's
 * {@code EncodingResult}: with a limit, the first {@code maxTokens} ids are cut back until they decode
 * to a prefix of the text (so no character is split), {@code truncated} says whether that prefix is
 * shorter than the text, and {@code lastProcessedCharacterIndex} is its length minus one (-1 for
 * null or empty text, or when nothing is kept). Without a limit ({@code Integer.MAX_VALUE}) nothing
 * is cut, {@code truncated} is false and the index is the text's length minus one.
 */
public final class EncodedText {
    private final int[] tokens;
    private final boolean truncated;
    private final int lastProcessedCharacterIndex;

    EncodedText(int[] tokens, boolean truncated, int lastProcessedCharacterIndex) {
        this.tokens = tokens;
        this.truncated = truncated;
        this.lastProcessedCharacterIndex = lastProcessedCharacterIndex;
    }

    /** The token ids; the caller's to keep (a new array per result). */
    public int[] tokens() {
        return tokens;
    }

    public boolean truncated() {
        return truncated;
    }

    public int lastProcessedCharacterIndex() {
        return lastProcessedCharacterIndex;
    }

    @Override
    public String toString() {
        return "EncodedText[" + tokens.length + " tokens, truncated=" + truncated
                + ", lastProcessedCharacterIndex=" + lastProcessedCharacterIndex + "]";
    }
}
