package dev.fastllm.core.tokens;

import java.util.function.Supplier;

/**
 * Counts or lists the tokens of one piece by byte-pair merging: start from single bytes, repeatedly
 * merge the adjacent pair whose concatenation has the lowest rank (the leftmost one among equals), stop
 * when no adjacent pair is a token. The parts left are the tokens.
 *
 * <p>Owns its scratch arrays and reuses them from piece to piece, so merging allocates nothing once
 * the arrays have grown to the longest piece seen; one instance per thread (not thread-safe).
 * Short pieces keep parts in two flat arrays and scan for the minimum (a few cache lines, no
 * indirection); long pieces go to a {@link BacktrackingEncoder}, linear in their length, made on this
 * thread's first long piece from the encoding's {@link MergeTree}.
 *
 * <p>Lookups of three to eight bytes go through a small direct-mapped memo (1024 entries, 16 KB,
 * misses included) before the vocabulary's table: the vocabulary is megabytes and each probe there is
 * a cache miss, while the merges of one script's characters repeat the same few thousand lookups.
 */
final class BytePairMerger {
    /** Pieces up to this many bytes use the flat scan; longer ones the backtracking encoder. */
    static final int FLAT_LIMIT = 24;
    private static final int KEEP_LIMIT = 1 << 12;

    private static final int MEMO_BITS = 10;

    private final Vocabulary vocabulary;
    private final Supplier<MergeTree> trees;
    private BacktrackingEncoder backtracking;
    private final long[] memoKeys = new long[1 << MEMO_BITS];
    private final long[] memoValues = new long[1 << MEMO_BITS];  // rank << 8 | length; 0 = empty
    byte[] bytes = new byte[256];
    private int[] starts = new int[FLAT_LIMIT + 1];
    private int[] ranks = new int[FLAT_LIMIT + 1];

    /** @param trees the encoding's merge tree, asked for on the first long piece */
    BytePairMerger(Vocabulary vocabulary, Supplier<MergeTree> trees) {
        this.vocabulary = vocabulary;
        this.trees = trees;
    }

    /** This thread's encoder of long pieces. */
    BacktrackingEncoder backtracking() {
        BacktrackingEncoder encoder = backtracking;
        if (encoder == null) {
            encoder = backtracking = new BacktrackingEncoder(trees.get(), vocabulary);
        }
        return encoder;
    }

    /** Rank of {@code b[from, to)}: two bytes by table, three to eight through the memo. */
    private int rank(byte[] b, int from, int to) {
        int length = to - from;
        if (length == 2) {
            return vocabulary.pairRank(b[from], b[from + 1]);
        }
        if (length > 8) {
            return vocabulary.longRank(b, from, to);
        }
        long key = Vocabulary.pack(b, from, to);
        int slot = (int) (((key + length) * 0x9E3779B97F4A7C15L) >>> (64 - MEMO_BITS));
        long value = memoValues[slot];
        if ((value & 0xFF) == length && memoKeys[slot] == key) {
            return (int) (value >>> 8);
        }
        int rank = vocabulary.shortRank(key, length);
        memoKeys[slot] = key;
        memoValues[slot] = ((long) rank << 8) | length;
        return rank;
    }

    /** Makes room for a piece of {@code length} bytes in {@link #bytes}. */
    byte[] bytesFor(int length) {
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, bytes.length * 2)];
        }
        return bytes;
    }

    /** Drops scratch arrays grown past a size worth keeping between calls. */
    void trim() {
        if (bytes.length > KEEP_LIMIT) {
            bytes = new byte[256];
        }
        if (backtracking != null) {
            backtracking.trim();
        }
    }

    /** Token count of {@code bytes[0, length)}, given that the whole piece is not itself a token. */
    int count(int length) {
        if (length <= 1) {
            return length;
        }
        return length <= FLAT_LIMIT ? countFlat(length) : backtracking().encode(bytes, length);
    }

    /**
     * Appends the tokens of {@code bytes[0, length)} to {@code out}, given that the whole piece is not
     * itself a token.
     */
    void encode(int length, TokenBuffer out) {
        if (length > FLAT_LIMIT) {
            BacktrackingEncoder encoder = backtracking();
            int count = encoder.encode(bytes, length);
            out.addAll(encoder.tokens, count); // read after encode: it may grow the array
            return;
        }
        int parts = countFlat(length);
        int[] s = starts;
        for (int i = 0; i < parts; i++) {
            out.add(vocabulary.rank(bytes, s[i], s[i + 1]));
        }
    }

    /** Where part {@code i} starts after {@link #countFlat} (part {@code parts} is the end). */
    int flatStart(int i) {
        return starts[i];
    }

    int countFlat(int length) {
        if (starts.length < length + 1) {
            starts = new int[length + 1]; // only tests merge pieces this long flat
            ranks = new int[length + 1];
        }
        byte[] b = bytes;
        int[] s = starts;
        int[] r = ranks;
        int parts = length;
        for (int i = 0; i <= length; i++) {
            s[i] = i;
        }
        for (int i = 0; i < parts - 1; i++) {
            r[i] = rank(b, i, i + 2);
        }
        while (parts > 1) {
            int min = Vocabulary.NONE;
            int at = -1;
            for (int i = 0, last = parts - 1; i < last; i++) {
                if (r[i] < min) {
                    min = r[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            // merge parts at and at+1: drop the boundary s[at+1] and the pair rank r[at+1]
            System.arraycopy(s, at + 2, s, at + 1, parts - at - 1);
            if (at + 2 < parts) {
                System.arraycopy(r, at + 2, r, at + 1, parts - at - 2);
            }
            parts--;
            r[at] = at + 1 < parts ? rank(b, s[at], s[at + 2]) : Vocabulary.NONE;
            if (at > 0) {
                r[at - 1] = rank(b, s[at - 1], s[at + 1]);
            }
        }
        return parts;
    }
}
