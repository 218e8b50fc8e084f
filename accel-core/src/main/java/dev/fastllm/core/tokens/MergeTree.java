package dev.fastllm.core.tokens;

import java.util.Arrays;

/**
 * What {@link BacktrackingEncoder} needs beyond the vocabulary to merge long pieces in linear time:
 * for every token the two tokens byte-pair merging joined to make it (its split), the longest token
 * that is a proper prefix of it, and a filter of every token prefix for finding the longest token at a
 * position of a text.
 *
 * <p>The split of a token is recovered from the vocabulary alone: the first pair (longest left part
 * first) of lower-ranked tokens whose concatenation is the token and which is a valid pair among the
 * tokens below it (see {@link #validPair}). Merging joins the pair {@code (a, b)} into token {@code x} only if
 * {@code x}'s split is {@code (a, b)}, so "is {@code (a, b)} merged, and into what" is a vocabulary
 * lookup of {@code a}'s and {@code b}'s bytes, which sit next to each other in the text being encoded,
 * followed by a comparison with the split: no pair table is held.
 *
 * <p>Made once per encoding, on the first piece long enough to need it, and shared by all threads. Only
 * the prefix filter is built then; a token's split and longest prefix are computed the first time a
 * merge needs them and kept, so the first long piece pays for the tokens it touches, not for all of
 * them. Those entries are written without a lock: each is an int, written whole, and its value is a
 * function of the vocabulary alone, so threads that race compute and write the same value, and a reader
 * sees either "not yet computed" (and computes it) or that value. Holds three int arrays of one entry
 * per token and a filter of about 20 bits per distinct token prefix (3.4 MB in all for o200k_base,
 * 1.7 MB for cl100k_base).
 */
final class MergeTree {
    private static final int NO_TOKEN = -1;
    /** Not yet computed; never a token (tokens are 0 and up, {@link #NO_TOKEN} is -1). */
    private static final int UNKNOWN = -2;

    private final Vocabulary vocabulary;
    private final byte[] bytes;
    private final int longest;
    private final int[] nextPrefix;
    private final int[] left;
    private final int[] right;
    private final long[] prefixFilter;
    private final int filterShift;

    MergeTree(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.bytes = vocabulary.tokenBytes();
        this.longest = vocabulary.longestToken();
        int size = vocabulary.size();
        int bits = 63 - Long.numberOfLeadingZeros(Math.max(1 << 12, 4L * bytes.length)) + 1;
        this.prefixFilter = new long[1 << (bits - 6)];
        this.filterShift = 64 - bits;
        for (int r = 0; r < size; r++) {
            long h = 0;
            for (int i = vocabulary.start(r), end = i + vocabulary.length(r); i < end; i++) {
                h = step(h, bytes[i]);
                int bit = (int) (h >>> filterShift);
                prefixFilter[bit >>> 6] |= 1L << bit;
            }
        }
        this.nextPrefix = new int[size];
        this.left = new int[size];
        this.right = new int[size];
        Arrays.fill(nextPrefix, UNKNOWN);
        Arrays.fill(left, UNKNOWN);
        Arrays.fill(right, UNKNOWN);
    }

    /** The left part of {@code token}'s split ({@code token} itself for a token that is no merge). */
    private int left(int token) {
        int l = left[token];
        if (l == UNKNOWN) {
            split(token);
            l = left[token];
        }
        return l;
    }

    /** The right part of {@code token}'s split ({@code token} itself for a token that is no merge). */
    private int right(int token) {
        int r = right[token];
        if (r == UNKNOWN) {
            split(token);
            r = right[token];
        }
        return r;
    }

    /**
     * Finds and records the split of token {@code id}: the first pair (longest left part first) of
     * lower-ranked tokens that spell it and that is valid among tokens below {@code id}. Reads the
     * splits of shorter tokens only, computing those first, so it ends (depth at most the token's length).
     */
    private void split(int id) {
        int start = vocabulary.start(id);
        int end = start + vocabulary.length(id);
        int first = nextPrefix(id);
        int second = NO_TOKEN;
        for (; first != NO_TOKEN; first = nextPrefix(first)) {
            int boundary = start + vocabulary.length(first);
            second = vocabulary.rank(bytes, boundary, end);
            if (second != Vocabulary.NONE && first < id && second < id && validPair(bytes, boundary, first, second, id)) {
                break;
            }
        }
        // right before left: a reader that sees left known and right not computes both again, never half
        right[id] = first == NO_TOKEN ? id : second;
        left[id] = first == NO_TOKEN ? id : first;
    }
    private static long step(long h, byte b) {
        return (h + (b & 0xFF) + 1) * 0x9E3779B97F4A7C15L;
    }

    /** The longest token that is a prefix of {@code b[from, to)} (at least one byte long), or -1. */
    private int longestTokenIn(byte[] b, int from, int to) {
        for (int end = to; end > from; end--) {
            int r = vocabulary.rank(b, from, end);
            if (r != Vocabulary.NONE) {
                return r;
            }
        }
        return NO_TOKEN;
    }

    /**
     * The longest token that is a prefix of {@code b[from, to)}; {@code from < to}. Walks forward while
     * the prefix filter says the bytes read so far may begin a token (one multiply and one bit test a
     * byte), then looks the candidates up from the longest down; the filter's false positives only cost
     * a lookup that fails.
     */
    int longestPrefix(byte[] b, int from, int to) {
        int max = Math.min(to - from, longest);
        long h = 0;
        int length = 0;
        while (length < max) {
            h = step(h, b[from + length]);
            int bit = (int) (h >>> filterShift);
            if ((prefixFilter[bit >>> 6] & (1L << bit)) == 0) {
                break;
            }
            length++;
        }
        int r = longestTokenIn(b, from, from + Math.max(1, length));
        if (r == NO_TOKEN) {
            throw new IllegalStateException("byte " + (b[from] & 0xFF) + " is not a token");
        }
        return r;
    }

    /** The longest token that is a proper prefix of {@code token}, or -1. */
    int nextPrefix(int token) {
        int p = nextPrefix[token];
        if (p == UNKNOWN) {
            int start = vocabulary.start(token);
            p = longestTokenIn(bytes, start, start + vocabulary.length(token) - 1);
            nextPrefix[token] = p;
        }
        return p;
    }

    /**
     * Whether byte-pair merging of {@code first}'s bytes followed by {@code second}'s bytes ends with
     * exactly these two tokens; their bytes are {@code b[boundary - length(first), boundary + length(second))}.
     * Undoes the later of the two tokens' last merges, step by step, and fails as soon as a merge across
     * the boundary would have come first: the pair then is not what merging produces.
     */
    boolean validPair(byte[] b, int boundary, int first, int second) {
        return validPair(b, boundary, first, second, Integer.MAX_VALUE);
    }

    /** {@link #validPair} in the vocabulary of the tokens below {@code below}. */
    private boolean validPair(byte[] b, int boundary, int first, int second, int below) {
        int limit = Integer.MAX_VALUE;
        while (true) {
            int merged = merged(b, boundary, first, second, below);
            if (merged < limit) {
                return false;
            }
            if (first > second) {
                limit = first;
                first = right(first);
                if (first == limit) {
                    limit = second + 1;
                    second = left(second);
                    if (second + 1 == limit) {
                        return true;
                    }
                }
            } else {
                limit = second + 1;
                second = left(second);
                if (second + 1 == limit) {
                    limit = first;
                    first = right(first);
                    if (first == limit) {
                        return true;
                    }
                }
            }
        }
    }

    /**
     * The token below {@code below} that merging joins {@code first} and {@code second} into, or
     * {@link Vocabulary#NONE}.
     */
    private int merged(byte[] b, int boundary, int first, int second, int below) {
        int before = vocabulary.length(first);
        int after = vocabulary.length(second);
        if (before + after > longest) {
            return Vocabulary.NONE;
        }
        int x = vocabulary.rank(b, boundary - before, boundary + after);
        return x != Vocabulary.NONE && x < below && left(x) == first && right(x) == second ? x : Vocabulary.NONE;
    }

    /** Heap bytes of the tables. */
    long heapBytes() {
        return 3 * Vocabulary.arrayBytes(nextPrefix.length, 4) + Vocabulary.arrayBytes(prefixFilter.length, 8) + 40;
    }
}
