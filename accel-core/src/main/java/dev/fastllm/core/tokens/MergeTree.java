package dev.fastllm.core.tokens;

/**
 * What {@link BacktrackingEncoder} needs beyond the vocabulary to merge long pieces in linear time:
 * for every token the two tokens byte-pair merging joined to make it (its split), the longest token
 * that is a proper prefix of it, and a filter of every token prefix for finding the longest token at a
 * position of a text.
 *
 * <p>The split of a token is recovered from the vocabulary alone, in rank order: the first pair
 * (longest left part first) of lower-ranked tokens whose concatenation is the token and which is itself a
 * valid pair (see {@link #validPair}). Merging joins the pair {@code (a, b)} into token {@code x} only if
 * {@code x}'s split is {@code (a, b)}, so "is {@code (a, b)} merged, and into what" is a vocabulary
 * lookup of {@code a}'s and {@code b}'s bytes, which sit next to each other in the text being encoded,
 * followed by a comparison with the split: no pair table is held.
 *
 * <p>Built once per encoding, on the first piece long enough to need it; immutable after, shared by all
 * threads. Holds three int arrays of one entry per token and a filter of about 4 bits per token prefix
 * (1 MB for o200k_base).
 */
final class MergeTree {
    private static final int NO_TOKEN = -1;

    private final Vocabulary vocabulary;
    private final int longest;
    private final int[] nextPrefix;
    private final int[] left;
    private final int[] right;
    private final long[] prefixFilter;
    private final int filterShift;

    MergeTree(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.longest = vocabulary.longestToken();
        int size = vocabulary.size();
        byte[] bytes = vocabulary.tokenBytes();
        int bits = 63 - Long.numberOfLeadingZeros(Math.max(1 << 12, 4L * bytes.length)) + 1;
        this.prefixFilter = new long[1 << (bits - 6)];
        this.filterShift = 64 - bits;
        this.nextPrefix = new int[size];
        this.left = new int[size];
        this.right = new int[size];
        for (int r = 0; r < size; r++) {
            int start = vocabulary.start(r);
            int end = start + vocabulary.length(r);
            long h = 0;
            for (int i = start; i < end; i++) {
                h = step(h, bytes[i]);
                int bit = (int) (h >>> filterShift);
                prefixFilter[bit >>> 6] |= 1L << bit;
            }
            nextPrefix[r] = longestTokenIn(bytes, start, end - 1);
            left[r] = NO_TOKEN;
            right[r] = NO_TOKEN;
        }
        for (int r = 0; r < size; r++) {
            split(bytes, r);
        }
    }

    /** Finds and records the split of token {@code id}; tokens below {@code id} have theirs already. */
    private void split(byte[] bytes, int id) {
        int start = vocabulary.start(id);
        int end = start + vocabulary.length(id);
        for (int first = nextPrefix[id]; first != NO_TOKEN; first = nextPrefix[first]) {
            int boundary = start + vocabulary.length(first);
            int second = vocabulary.rank(bytes, boundary, end);
            if (second != Vocabulary.NONE && first < id && second < id && validPair(bytes, boundary, first, second)) {
                left[id] = first;
                right[id] = second;
                return;
            }
        }
        left[id] = id;
        right[id] = id;
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
        return nextPrefix[token];
    }

    /**
     * Whether byte-pair merging of {@code first}'s bytes followed by {@code second}'s bytes ends with
     * exactly these two tokens; their bytes are {@code b[boundary - length(first), boundary + length(second))}.
     * Undoes the later of the two tokens' last merges, step by step, and fails as soon as a merge across
     * the boundary would have come first: the pair then is not what merging produces.
     */
    boolean validPair(byte[] b, int boundary, int first, int second) {
        int limit = Integer.MAX_VALUE;
        while (true) {
            int merged = merged(b, boundary, first, second);
            if (merged < limit) {
                return false;
            }
            if (first > second) {
                limit = first;
                first = right[first];
                if (first == limit) {
                    limit = second + 1;
                    second = left[second];
                    if (second + 1 == limit) {
                        return true;
                    }
                }
            } else {
                limit = second + 1;
                second = left[second];
                if (second + 1 == limit) {
                    limit = first;
                    first = right[first];
                    if (first == limit) {
                        return true;
                    }
                }
            }
        }
    }

    /** The token merging joins {@code first} and {@code second} into, or {@link Vocabulary#NONE}. */
    private int merged(byte[] b, int boundary, int first, int second) {
        int before = vocabulary.length(first);
        int after = vocabulary.length(second);
        if (before + after > longest) {
            return Vocabulary.NONE;
        }
        int x = vocabulary.rank(b, boundary - before, boundary + after);
        return x != Vocabulary.NONE && left[x] == first && right[x] == second ? x : Vocabulary.NONE;
    }

    /** Heap bytes of the tables. */
    long heapBytes() {
        return 3 * Vocabulary.arrayBytes(nextPrefix.length, 4) + Vocabulary.arrayBytes(prefixFilter.length, 8) + 40;
    }
}
