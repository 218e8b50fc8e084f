package dev.fastllm.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which connections a {@link FastPool} has and how many it may still open: the live entries (an
 * {@link EntryTable} swapped by compare-and-set), the count of connections open or opening that the limit
 * applies to (one word: a connect happens only after a compare-and-set took it below the limit), and the
 * opened, closed and connecting counters. Touched when connections open and close, never on a reuse.
 */
final class PoolSlots<C> {
    private static final VarHandle TABLE;
    private static final VarHandle OPEN;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TABLE = lookup.findVarHandle(PoolSlots.class, "table", EntryTable.class);
            OPEN = lookup.findVarHandle(PoolSlots.class, "open", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Connector<C> connector;
    private final int max;
    private final AtomicInteger connecting = new AtomicInteger();
    /** Slots of failed connects held while their futures complete ({@link #holdFailed}); almost always 0. */
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private volatile EntryTable<C> table = EntryTable.empty();
    /** Connections leased, idle or being opened. */
    private volatile int open;

    PoolSlots(Connector<C> connector, int max) {
        this.connector = connector;
        this.max = max;
    }

    EntryTable<C> table() {
        return table;
    }

    /** Takes a slot for a connection about to be opened; false at the limit. */
    boolean reserve() {
        for (;;) {
            int n = open;
            if (n >= max) {
                return false;
            }
            if (OPEN.compareAndSet(this, n, n + 1)) {
                connecting.incrementAndGet();
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #reserve} whose connect failed or was not needed. */
    void unreserve() {
        connecting.decrementAndGet();
        OPEN.getAndAdd(this, -1);
    }

    /**
     * A reserved connect failed, and its slot is held while the failed future completes (see
     * {@code FastPool.failed}): it no longer counts as connecting, but stays taken, and only a new request
     * can take it ({@link #connectHeld}), never a waiting one.
     */
    void holdFailed() {
        connecting.decrementAndGet();
        held.incrementAndGet();
    }

    /**
     * A slot held by {@link #holdFailed}, if one is left, becomes a connect again; false if none is (one
     * volatile read: almost always the case).
     */
    boolean connectHeld() {
        if (!takeHeld()) {
            return false;
        }
        connecting.incrementAndGet();
        return true;
    }

    /**
     * At the end of a failed connect's completion: a held slot, if one is left (no request took it, or a
     * request took another's), is given back.
     */
    void freeHeld() {
        if (takeHeld()) {
            OPEN.getAndAdd(this, -1);
        }
    }

    private boolean takeHeld() {
        for (;;) {
            int h = held.get();
            if (h == 0) {
                return false;
            }
            if (held.compareAndSet(h, h - 1)) {
                return true;
            }
        }
    }

    /** A reserved connect succeeded: its entry, leased, joins the table. */
    PoolEntry<C> opened(C connection) {
        connecting.decrementAndGet();
        opened.incrementAndGet();
        PoolEntry<C> e = new PoolEntry<>(connection, PoolEntry.LEASED);
        for (;;) {
            EntryTable<C> t = table;
            if (TABLE.compareAndSet(this, t, t.with(e))) {
                return e;
            }
        }
    }

    /**
     * Forgets and closes an entry its caller owns. The slot is freed only once the connection is closed, so
     * connections open never exceed the limit, not even for a moment.
     */
    void retire(PoolEntry<C> e) {
        forget(e);
        close(e);
    }

    /** The first half of {@link #retire}: the entry leaves the pool's books (counted closed). */
    void forget(PoolEntry<C> e) {
        e.set(PoolEntry.REMOVED);
        for (;;) {
            EntryTable<C> t = table;
            EntryTable<C> next = t.without(e);
            if (next == t || TABLE.compareAndSet(this, t, next)) {
                break;
            }
        }
        closed.incrementAndGet();
    }

    /** The second half of {@link #retire}: closes a forgotten entry's connection, then frees its slot. */
    void close(PoolEntry<C> e) {
        try {
            connector.close(e.connection);
        } finally {
            OPEN.getAndAdd(this, -1);
        }
    }

    int connecting() {
        return connecting.get();
    }

    long openedCount() {
        return opened.get();
    }

    long closedCount() {
        return closed.get();
    }
}
