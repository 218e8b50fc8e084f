package dev.fastllm.core.pool;

import java.util.Arrays;

/**
 * An immutable snapshot of a pool's live entries: in creation order for scans, and in an open-addressed
 * table by the connection's identity for {@link #find}. A pool swaps in a new snapshot when a connection
 * opens or closes, which is rare next to leases; reads never wait.
 */
final class EntryTable<C> {
    @SuppressWarnings("rawtypes")
    static final EntryTable EMPTY = new EntryTable<>(new PoolEntry[0]);

    final PoolEntry<C>[] entries;
    private final PoolEntry<C>[] index;
    private final int mask;

    @SuppressWarnings("unchecked")
    private EntryTable(PoolEntry<C>[] entries) {
        this.entries = entries;
        int size = Integer.highestOneBit(Math.max(2, entries.length * 2 + 1)) << 1;
        this.index = new PoolEntry[size];
        this.mask = size - 1;
        for (PoolEntry<C> e : entries) {
            int i = slot(e.connection);
            while (index[i] != null) {
                i = (i + 1) & mask;
            }
            index[i] = e;
        }
    }

    @SuppressWarnings("unchecked")
    static <C> EntryTable<C> empty() {
        return EMPTY;
    }

    EntryTable<C> with(PoolEntry<C> entry) {
        PoolEntry<C>[] next = Arrays.copyOf(entries, entries.length + 1);
        next[entries.length] = entry;
        return new EntryTable<>(next);
    }

    /** This table without {@code entry}, or this very table when it does not hold it. */
    EntryTable<C> without(PoolEntry<C> entry) {
        for (int i = 0; i < entries.length; i++) {
            if (entries[i] == entry) {
                @SuppressWarnings("unchecked")
                PoolEntry<C>[] next = new PoolEntry[entries.length - 1];
                System.arraycopy(entries, 0, next, 0, i);
                System.arraycopy(entries, i + 1, next, i, entries.length - i - 1);
                return new EntryTable<>(next);
            }
        }
        return this;
    }

    /** The live entry of {@code connection} (by identity), or null. */
    PoolEntry<C> find(Object connection) {
        for (int i = slot(connection); ; i = (i + 1) & mask) {
            PoolEntry<C> e = index[i];
            if (e == null || e.connection == connection) {
                return e;
            }
        }
    }

    private int slot(Object connection) {
        int h = System.identityHashCode(connection) * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }
}
