package dev.fastllm.core.tokens;

/**
 * Counts the tokens of one piece by byte-pair merging: start from single bytes, repeatedly merge the
 * adjacent pair whose concatenation has the lowest rank (the leftmost one among equals), stop when no
 * adjacent pair is a token. The answer is the number of parts left.
 *
 * <p>Owns its scratch arrays and reuses them from piece to piece, so merging allocates nothing once
 * the arrays have grown to the longest piece seen; one instance per thread (not thread-safe).
 * Short pieces keep parts in two flat arrays and scan for the minimum (a few cache lines, no
 * indirection); long pieces use a linked list of parts and a binary heap of {@code rank << 32 | position}
 * with lazy deletion, which keeps a 100 000-byte run of spaces at O(n log n).
 *
 * <p>Lookups of three to eight bytes go through a small direct-mapped memo (1024 entries, 16 KB,
 * misses included) before the vocabulary's table: the vocabulary is megabytes and each probe there is
 * a cache miss, while the merges of one script's characters repeat the same few thousand lookups.
 */
final class BytePairMerger {
    /** Pieces up to this many bytes use the flat scan; longer ones the heap. */
    static final int FLAT_LIMIT = 24;
    private static final int KEEP_LIMIT = 1 << 12;

    private static final int MEMO_BITS = 10;

    private final Vocabulary vocabulary;
    private final long[] memoKeys = new long[1 << MEMO_BITS];
    private final long[] memoValues = new long[1 << MEMO_BITS];  // rank << 8 | length; 0 = empty
    byte[] bytes = new byte[256];
    private int[] starts = new int[FLAT_LIMIT + 1];
    private int[] ranks = new int[FLAT_LIMIT + 1];
    private int[] next = new int[0];
    private int[] prev = new int[0];
    private int[] nodeRank = new int[0];
    private long[] heap = new long[0];

    BytePairMerger(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
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
        if (next.length > KEEP_LIMIT) {
            next = new int[0];
            prev = new int[0];
            nodeRank = new int[0];
            heap = new long[0];
        }
    }

    /** Token count of {@code bytes[0, length)}, given that the whole piece is not itself a token. */
    int count(int length) {
        if (length <= 1) {
            return length;
        }
        return length <= FLAT_LIMIT ? countFlat(length) : countHeap(length);
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

    int countHeap(int length) {
        if (next.length < length + 1) {
            int size = Math.max(length + 1, next.length * 2);
            next = new int[size];
            prev = new int[size];
            nodeRank = new int[size];
        }
        if (heap.length < 3 * length + 4) {
            heap = new long[Math.max(3 * length + 4, heap.length * 2)];
        }
        byte[] b = bytes;
        int[] nx = next;
        int[] pv = prev;
        int[] nr = nodeRank;
        long[] h = heap;
        int heapSize = 0;
        for (int p = 0; p < length; p++) {
            nx[p] = p + 1;
            pv[p] = p - 1;
            int rank = p + 2 <= length ? rank(b, p, p + 2) : Vocabulary.NONE;
            nr[p] = rank;
            if (rank != Vocabulary.NONE) {
                heapSize = push(h, heapSize, ((long) rank << 32) | p);
            }
        }
        int parts = length;
        while (heapSize > 0) {
            long top = h[0];
            heapSize = pop(h, heapSize);
            int rank = (int) (top >>> 32);
            int p = (int) top;
            if (nr[p] != rank) {
                continue; // stale: this part was merged away or its pair changed since
            }
            int q = nx[p];
            int after = nx[q];
            nx[p] = after;
            if (after < length) {
                pv[after] = p;
            }
            nr[q] = -1;
            parts--;
            int newRank = after < length ? rank(b, p, nx[after]) : Vocabulary.NONE;
            nr[p] = newRank;
            if (newRank != Vocabulary.NONE) {
                heapSize = push(h, heapSize, ((long) newRank << 32) | p);
            }
            int before = pv[p];
            if (before >= 0) {
                int beforeRank = rank(b, before, after);
                nr[before] = beforeRank;
                if (beforeRank != Vocabulary.NONE) {
                    heapSize = push(h, heapSize, ((long) beforeRank << 32) | before);
                }
            }
        }
        return parts;
    }

    /** Sift-up insert; the caller sized the heap for every push a piece can make (3 per byte). */
    private static int push(long[] h, int size, long value) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long up = h[parent];
            if (up <= value) {
                break;
            }
            h[i] = up;
            i = parent;
        }
        h[i] = value;
        return size + 1;
    }

    /** Removes the minimum {@code h[0]}; returns the new size. */
    private static int pop(long[] h, int size) {
        int last = size - 1;
        long value = h[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            long c = h[child];
            int right = child + 1;
            if (right < last && h[right] < c) {
                child = right;
                c = h[right];
            }
            if (value <= c) {
                break;
            }
            h[i] = c;
            i = child;
        }
        h[i] = value;
        return last;
    }
}
