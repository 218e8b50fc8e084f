package dev.fastllm.core.pool;

/**
 * One thread's most recently released entries of one pool, newest on top, and the entry it leased last.
 * A thread takes back what it released before looking at the shared entries (the thread affinity of
 * HikariCP's ConcurrentBag): in the common case acquire and release touch no line another core writes.
 * Entries here may be stale (taken by another thread, or closed); the claim on the entry's own state
 * decides, and stale ones are dropped as they are met. With one thread every idle entry is here, in
 * release order, so "most recently used first" is exact.
 */
final class ThreadStack {
    private Object[] items;
    private int size;
    /** The entry this thread leased last: release usually finds its entry here without a lookup. */
    PoolEntry<?> lastLeased;

    ThreadStack(int capacity) {
        this.items = new Object[Math.max(1, capacity)];
    }

    Object pop() {
        if (size == 0) {
            return null;
        }
        Object e = items[--size];
        items[size] = null;
        return e;
    }

    void push(Object entry) {
        if (size == items.length) {
            makeRoom();
        }
        items[size++] = entry;
    }

    /** Drops stale entries, keeping the order of the rest; if none is stale, drops the older half. */
    private void makeRoom() {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            PoolEntry<?> e = (PoolEntry<?>) items[i];
            if (e.state() == PoolEntry.IDLE) {
                items[kept++] = e;
            }
        }
        if (kept == items.length) {
            int drop = kept / 2;
            System.arraycopy(items, drop, items, 0, kept - drop);
            kept -= drop;
        }
        for (int i = kept; i < size; i++) {
            items[i] = null;
        }
        size = kept;
    }
}
