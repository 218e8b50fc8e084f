package dev.fastllm.core.tokens;

import java.util.Arrays;

/**
 * Piece text to token count, or to token ids, for the pieces that repeat (words, indentation,
 * punctuation runs). One instance holds counts (for counting) or ids (for encoding), never both.
 *
 * <p>A fixed array of slots, two-way set associative, each slot holding an immutable {@link Entry}
 * (final fields) or null. Readers do one or two plain array loads and a char comparison, no lock, no
 * volatile, no allocation: the Java memory model guarantees that a thread seeing a reference to an
 * object with only final fields sees those fields initialised, so publishing through a plain array
 * store is safe, and a stale or missing read only costs a recount. Writers overwrite a slot of the set,
 * so racing writers lose nothing but a cache entry. The bound is by construction: at most
 * {@code capacity} entries of at most {@link #MAX_PIECE_CHARS} chars each. A striped lock or a
 * concurrent map would put a write, a CAS or a node allocation on every hit; a general cache (Caffeine)
 * would add its buffers; this is the cheapest correct form for a pure, recomputable value.
 */
final class PieceCache {
    /** Longer pieces are not cached: they rarely repeat and would dominate the memory bound. */
    static final int MAX_PIECE_CHARS = 24;

    /** Pieces of more tokens than this are not cached by an ids cache (their ids are recomputed). */
    static final int MAX_CACHED_IDS = 24;

    /** An immutable cached piece and its count. */
    static class Entry {
        final char[] text;
        final int hash;
        final int tokens;

        Entry(char[] text, int hash, int tokens) {
            this.text = text;
            this.hash = hash;
            this.tokens = tokens;
        }
    }

    /** An immutable cached piece and its ids (all final: safe to publish by a plain store). */
    static final class IdsEntry extends Entry {
        final int[] ids;

        IdsEntry(char[] text, int hash, int[] ids) {
            super(text, hash, ids.length);
            this.ids = ids;
        }
    }

    private final Entry[] slots;
    private final int setMask;
    private final boolean ids;

    /**
     * @param capacity number of entries, rounded up to a power of two (at least 2)
     * @param ids      whether this cache holds ids ({@link IdsEntry}) rather than counts
     */
    PieceCache(int capacity, boolean ids) {
        int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        slots = new Entry[size];
        setMask = (size >>> 1) - 1;
        this.ids = ids;
    }

    static int hash(char[] t, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + t[i];
        }
        h *= 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    /** The cached count of {@code t[from, to)} with the given hash, or -1. */
    int get(char[] t, int from, int to, int hash) {
        Entry e = find(t, from, to, hash);
        return e == null ? -1 : e.tokens;
    }

    /** The cached ids of {@code t[from, to)} with the given hash, or null; for an ids cache. */
    int[] ids(char[] t, int from, int to, int hash) {
        Entry e = find(t, from, to, hash);
        return e == null ? null : ((IdsEntry) e).ids;
    }

    private Entry find(char[] t, int from, int to, int hash) {
        int slot = (hash & setMask) << 1;
        Entry e = slots[slot];
        if (e != null && e.hash == hash && same(e.text, t, from, to)) {
            return e;
        }
        e = slots[slot + 1];
        if (e != null && e.hash == hash && same(e.text, t, from, to)) {
            return e;
        }
        return null;
    }

    private static boolean same(char[] cached, char[] t, int from, int to) {
        if (cached.length != to - from) {
            return false;
        }
        for (int i = 0; i < cached.length; i++) {
            if (cached[i] != t[from + i]) {
                return false;
            }
        }
        return true;
    }

    void put(char[] t, int from, int to, int hash, int tokens) {
        store(hash, new Entry(Arrays.copyOfRange(t, from, to), hash, tokens));
    }

    /** Caches the ids of a piece, unless it has more than {@link #MAX_CACHED_IDS}; for an ids cache. */
    void putIds(char[] t, int from, int to, int hash, int[] pieceIds) {
        if (pieceIds.length <= MAX_CACHED_IDS) {
            store(hash, new IdsEntry(Arrays.copyOfRange(t, from, to), hash, pieceIds));
        }
    }

    private void store(int hash, Entry entry) {
        int slot = (hash & setMask) << 1;
        if (slots[slot] != null) {
            // second way if free, else evict the way picked by a hash bit not used for the set
            slot += (slots[slot + 1] == null || (hash & 0x4000_0000) != 0) ? 1 : 0;
        }
        slots[slot] = entry;
    }

    int capacity() {
        return slots.length;
    }

    /** Entries present now (a racy snapshot; for tests and reporting). */
    int size() {
        int n = 0;
        for (Entry e : slots) {
            if (e != null) {
                n++;
            }
        }
        return n;
    }

    /** Longest cached text now, in chars (for tests). */
    int longestEntry() {
        int max = 0;
        for (Entry e : slots) {
            if (e != null) {
                max = Math.max(max, e.text.length);
            }
        }
        return max;
    }

    /** Heap bytes held now: the slot array plus each entry, its text and its ids. */
    long heapBytes() {
        long bytes = Vocabulary.arrayBytes(slots.length, 4);
        for (Entry e : slots) {
            if (e instanceof IdsEntry) {
                bytes += 32 + Vocabulary.arrayBytes(e.text.length, 2) + Vocabulary.arrayBytes(((IdsEntry) e).ids.length, 4);
            } else if (e != null) {
                bytes += 24 + Vocabulary.arrayBytes(e.text.length, 2);
            }
        }
        return bytes;
    }

    /** Upper bound of {@link #heapBytes()}, whatever is cached. */
    long maxHeapBytes() {
        long entry = ids ? 32 + Vocabulary.arrayBytes(MAX_CACHED_IDS, 4) : 24;
        return Vocabulary.arrayBytes(slots.length, 4)
                + (long) slots.length * (entry + Vocabulary.arrayBytes(MAX_PIECE_CHARS, 2));
    }
}
