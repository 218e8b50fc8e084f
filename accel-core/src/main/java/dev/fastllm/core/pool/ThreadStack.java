package dev.fastllm.core.pool;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thread's most recently released entries of one pool, newest on top, and the entry it leased last.
 * A thread takes back what it released before looking at the shared entries (the thread affinity of
 * HikariCP's ConcurrentBag): in the common case acquire and release touch no line another core writes.
 * Entries here may be stale (taken by another thread, or closed); the claim on the entry's own state
 * decides, and stale ones are dropped as they are met. With one thread every idle entry is here, in
 * release order, so "most recently used first" is exact.
 *
 * <p>The stack starts small and doubles up to the pool's limit as the thread parks more entries at once, so
 * a pool allowed many connections costs a thread only what it uses (a limit of {@code Integer.MAX_VALUE}
 * once meant an array of that size on each thread's first call).
 */
final class ThreadStack {
    /** Marks of {@link #makeRoom} passes, unique across threads. */
    private static final AtomicLong MARKS = new AtomicLong();
    static final int FIRST_CAPACITY = 16;

    private final int capacity;
    private Object[] items;
    private int size;
    /** The entry this thread leased last: release usually finds its entry here without a lookup. */
    PoolEntry<?> lastLeased;
    /**
     * A dead entry the thread took out of the pool while it held the wait queue's lock, to be closed once
     * the lock is let go (see {@code FastPool.drain}); null otherwise.
     */
    PoolEntry<?> dead;
    /**
     * How many maintenance passes of this pool ({@code evictIdle}, {@code purgeUnusable}) this thread is
     * inside: an acquire called back from one of their connector calls must not wait for its own pass.
     */
    int checking;

    ThreadStack(int capacity) {
        this.capacity = Math.max(1, capacity);
        this.items = new Object[Math.min(this.capacity, FIRST_CAPACITY)];
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

    /** Room for entries now (for tests). */
    int room() {
        return items.length;
    }

    /**
     * Drops stale entries and repeated ones (an entry another thread took and gave back idle may be here more
     * than once: only its newest place is kept), keeping the order of the rest. If that leaves the stack more
     * than half full, it doubles while below the pool's limit; at the limit, the older half goes. So the
     * stack grows with the live entries the thread parked, not with its releases.
     */
    private void makeRoom() {
        long mark = MARKS.incrementAndGet(); // this pass's own: no other pass writes it
        int w = size;
        for (int r = size - 1; r >= 0; r--) { // newest first: the first place met is the one kept
            PoolEntry<?> e = (PoolEntry<?>) items[r];
            if (e.state() == PoolEntry.IDLE && e.stackMark != mark) {
                e.stackMark = mark;
                items[--w] = e; // w > r: never over an entry not read yet
            }
        }
        int kept = size - w;
        System.arraycopy(items, w, items, 0, kept);
        Arrays.fill(items, kept, size, null);
        size = kept;
        if (kept > items.length / 2 && items.length < capacity) {
            items = Arrays.copyOf(items, (int) Math.min(capacity, 2L * items.length));
        } else if (kept == items.length) {
            int drop = kept / 2;
            System.arraycopy(items, drop, items, 0, kept - drop);
            Arrays.fill(items, kept - drop, kept, null);
            size = kept - drop;
        }
    }
}
