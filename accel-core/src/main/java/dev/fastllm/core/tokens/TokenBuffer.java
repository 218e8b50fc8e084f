package dev.fastllm.core.tokens;

import java.util.Arrays;

/** A growable array of token ids that encoding appends to; one per call, not shared. */
final class TokenBuffer {
    private int[] ids;
    private int size;

    TokenBuffer(int capacity) {
        ids = new int[Math.max(8, capacity)];
    }

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    void addAll(int[] from, int count) {
        if (size + count > ids.length) {
            ids = Arrays.copyOf(ids, Math.max(size + count, size * 2));
        }
        System.arraycopy(from, 0, ids, size, count);
        size += count;
    }

    void addAll(int[] from) {
        addAll(from, from.length);
    }

    /** The ids from {@code from} to the end, as a new array. */
    int[] tail(int from) {
        return Arrays.copyOfRange(ids, from, size);
    }

    int size() {
        return size;
    }

    /** The first {@code count} ids, as a new array. */
    int[] toArray(int count) {
        return Arrays.copyOf(ids, count);
    }
}
