package dev.fastllm.core.tokens;

import java.util.Arrays;

/**
 * Byte-pair merging of a long piece in time linear in its length, with the same tokens as merging
 * pair by pair. It rests on a property of byte-pair merging: a sequence of tokens spelling the piece
 * is the merge result exactly when every two neighbours form a valid pair ({@link MergeTree#validPair}).
 * So it walks the piece left to right, takes the longest token that starts where it stands, and
 * accepts it if it forms a valid pair with the token before; if not, it tries that token's next
 * shorter prefix token, and when none is left it steps back one token. A position from which no
 * accepted sequence reaches the end is marked, so no position is searched twice, and each step costs
 * a bounded number of lookups (tokens are at most 128 bytes). The approach is the backtracking encoder
 * of GitHub's {@code bpe} crate.
 *
 * <p>Owns its scratch arrays and reuses them; one instance per thread (not thread-safe).
 */
final class BacktrackingEncoder {
    private static final int KEEP_LIMIT = 1 << 12;

    private final MergeTree tree;
    private final Vocabulary vocabulary;
    /** The tokens found, in order; valid in {@code [0, count)} after {@link #encode}. */
    int[] tokens = new int[64];
    private long[] dead = new long[8];
    private static final int PAIR_MEMO_BITS = 10;
    /** Direct-mapped: {@code (first << 32 | second) + 1} shifted left once, plus the answer bit; 0 empty. */
    private final long[] pairMemo = new long[1 << PAIR_MEMO_BITS];

    BacktrackingEncoder(MergeTree tree, Vocabulary vocabulary) {
        this.tree = tree;
        this.vocabulary = vocabulary;
    }

    /** Merges {@code b[0, n)} into {@link #tokens}; returns how many. */
    int encode(byte[] b, int n) {
        int words = (n >>> 6) + 1;
        if (dead.length < words) {
            dead = new long[Math.max(words, dead.length * 2)];
        } else {
            Arrays.fill(dead, 0, words, 0L);
        }
        int[] out = tokens;
        int count = 0;
        int pos = 0;
        int next = tree.longestPrefix(b, 0, n);
        while (next >= 0) {
            int token = next;
            int last = count > 0 ? out[count - 1] : -1;
            while (true) {
                int end = pos + vocabulary.length(token);
                if ((dead[end >>> 6] & (1L << end)) == 0 && (last < 0 || validPair(b, pos, last, token))) {
                    if (count == out.length) {
                        out = tokens = Arrays.copyOf(out, count * 2);
                    }
                    out[count++] = token;
                    pos = end;
                    next = pos < n ? tree.longestPrefix(b, pos, n) : -1;
                    break;
                }
                int shorter = tree.nextPrefix(token);
                if (shorter >= 0) {
                    token = shorter;
                } else if (last < 0) {
                    throw new IllegalStateException("no merge result for a piece of " + n + " bytes");
                } else {
                    dead[pos >>> 6] |= 1L << pos;
                    count--;
                    pos -= vocabulary.length(last);
                    next = last;
                    break;
                }
            }
        }
        return count;
    }

    /**
     * {@link MergeTree#validPair}, remembered: the answer depends on the two tokens only, and a long run
     * asks about the same few pairs again and again.
     */
    private boolean validPair(byte[] b, int boundary, int first, int second) {
        long key = ((long) first << 32) | second;
        int slot = (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - PAIR_MEMO_BITS));
        long entry = pairMemo[slot];
        if (entry >>> 1 == key + 1) {
            return (entry & 1) != 0;
        }
        boolean valid = tree.validPair(b, boundary, first, second);
        pairMemo[slot] = ((key + 1) << 1) | (valid ? 1 : 0);
        return valid;
    }

    /** Drops scratch arrays grown past a size worth keeping between calls. */
    void trim() {
        if (tokens.length > KEEP_LIMIT) {
            tokens = new int[64];
        }
        if (dead.length > KEEP_LIMIT) {
            dead = new long[8];
        }
    }
}
