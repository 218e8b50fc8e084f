package dev.fastllm.core.tokens;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The piece cache's first level, for pieces of one to seven chars that are all at most U+00FF (most
 * pieces of English, code and JSON: {@code " the"}, {@code "();"}, {@code "    "}). Such a piece and
 * its count fit in one {@code long}: chars in the top 56 bits, length in the next 3, count (at most 14
 * tokens for 14 bytes) in the low 4; zero means empty. One table load and one compare answer a lookup,
 * with no object to follow.
 *
 * <p>Thread-safe without locks: each slot is read and written whole with opaque access, which the
 * Java memory model makes atomic for {@code long} (plain access need not be), so a reader sees some
 * writer's complete entry or nothing; the key inside the entry tells which piece it is. Two slots per
 * set, in one cache line; a writer takes a free or matching slot, else evicts one by a hash bit.
 */
final class ShortPieceTable {
    static final int MAX_CHARS = 7;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] slots;
    private final int setMask;

    /** @param capacity entries, rounded up to a power of two (at least 2) */
    ShortPieceTable(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        slots = new long[size];
        setMask = (size >>> 1) - 1;
    }

    /**
     * The key of {@code t[s, e)}, or 0 when the piece does not qualify (longer than seven chars, or a
     * char above U+00FF). The low four bits are zero, for the count.
     */
    static long key(char[] t, int s, int e) {
        int length = e - s;
        if (length > MAX_CHARS) {
            return 0;
        }
        long key = 0;
        for (int i = s; i < e; i++) {
            char c = t[i];
            if (c > 0xFF) {
                return 0;
            }
            key = (key << 8) | c;
        }
        return (key << (8 * (MAX_CHARS - length) + 7)) | ((long) length << 4);
    }

    private int set(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return ((int) (h >>> 40) & setMask) << 1;
    }

    /** The count cached for {@code key}, or -1. */
    int get(long key) {
        int slot = set(key);
        long entry = (long) SLOT.getOpaque(slots, slot);
        if ((entry & ~0xFL) == key) {
            return (int) entry & 0xF;
        }
        entry = (long) SLOT.getOpaque(slots, slot + 1);
        if ((entry & ~0xFL) == key) {
            return (int) entry & 0xF;
        }
        return -1;
    }

    void put(long key, int tokens) {
        if (tokens > 15) {
            return; // cannot happen for seven chars up to U+00FF (14 bytes at most); kept for safety
        }
        int slot = set(key);
        long first = (long) SLOT.getOpaque(slots, slot);
        if (first != 0 && (first & ~0xFL) != key) {
            long second = (long) SLOT.getOpaque(slots, slot + 1);
            if (second == 0 || (second & ~0xFL) == key || (key * 0x9E3779B97F4A7C15L) < 0) {
                slot++;
            }
        }
        SLOT.setOpaque(slots, slot, key | tokens);
    }

    int capacity() {
        return slots.length;
    }

    /** Entries present now (a racy snapshot, for tests). */
    int size() {
        int n = 0;
        for (long entry : slots) {
            if (entry != 0) {
                n++;
            }
        }
        return n;
    }

    long heapBytes() {
        return Vocabulary.arrayBytes(slots.length, 8);
    }
}
