package dev.fastllm.core.tokens;

import java.util.Arrays;

/**
 * A text that {@link ResumingTokenCounter} counted, kept so that a later text that begins or ends with it is
 * counted from where its pieces are known. Immutable once built, so it is published to other threads by a
 * plain reference (all fields final; the arrays are never written after the constructor).
 *
 * <p>Holds: the text's chars (the count's own copy), its token count, up to {@link #HEAD} of its first piece
 * boundaries with the count of the pieces before each (where a text that ends with this one can join its
 * pieces), and one <em>resume point</em>: a boundary whose preceding pieces are the same in every text that
 * starts with this one ({@code settled} in the splitters), with the count before it (0 and 0 when none).
 */
final class CountedText {
    /** How many leading boundaries are kept. */
    static final int HEAD = 8;

    final char[] chars;
    final int total;
    /** Leading boundaries, increasing: {@code head[2k]} a position, {@code head[2k + 1]} the count before it. */
    private final int[] head;
    private final int headSize;
    final int resumeAt;
    final int countBeforeResume;

    CountedText(char[] chars, int total, int[] head, int headSize, int resumeAt, int countBeforeResume) {
        this.chars = chars;
        this.total = total;
        this.head = head;
        this.headSize = headSize;
        this.resumeAt = resumeAt;
        this.countBeforeResume = countBeforeResume;
    }

    int length() {
        return chars.length;
    }

    /** Whether {@code t} starts with this text. */
    boolean isPrefixOf(char[] t) {
        int n = chars.length;
        return n <= t.length && Arrays.equals(chars, 0, n, t, 0, n);
    }

    /** Whether {@code t} ends with this text. */
    boolean isSuffixOf(char[] t) {
        int n = chars.length;
        int off = t.length - n;
        return off >= 0 && Arrays.equals(chars, 0, n, t, off, t.length);
    }

    int headSize() {
        return headSize;
    }

    int headPosition(int k) {
        return head[2 * k];
    }

    int headCount(int k) {
        return head[2 * k + 1];
    }

    /** Bytes this object keeps reachable: itself, the chars and the head array (compressed references). */
    long heapBytes() {
        return 40 + align(16 + 2L * chars.length) + align(16 + 4L * head.length);
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
