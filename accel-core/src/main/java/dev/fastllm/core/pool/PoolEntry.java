package dev.fastllm.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

/**
 * One connection known to a {@link FastPool}, with its state word. Whoever moves the state out of
 * {@link #IDLE} by compare-and-set owns the connection until it stores a new state; that one CAS is the
 * whole cost of taking an idle connection.
 */
final class PoolEntry<C> {
    /** Parked for reuse; {@link #idleSince} says since when. */
    static final int IDLE = 0;
    /** Handed out (or about to be). */
    static final int LEASED = 1;
    /** Held for a moment by eviction or purging, which puts it back or removes it. */
    static final int RESERVED = 2;
    /** Closed or being closed; never handed out again. */
    static final int REMOVED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PoolEntry.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final C connection;
    /**
     * The answer to every acquire that reuses this connection: a future completed once with it. Reusing it
     * is what lets an acquire of an idle connection allocate nothing; a completed future cannot be completed,
     * cancelled or timed out again, so sharing it is safe for every caller that does not obtrude a value.
     */
    final CompletableFuture<C> reuse;
    /** Written by the owner before it stores {@link #IDLE}; read by the next owner after its claim. */
    long idleSince;
    /**
     * The last {@code ThreadStack} clean-up pass that kept this entry (a plain field: a pass only ever finds
     * its own mark here if it wrote it, so racing passes at worst keep a repeat, never drop an entry).
     */
    long stackMark;
    private volatile int state;
    // Entries are allocated one after another and usually owned by different threads: without these, two
    // threads' entries would share a cache line and every claim would steal the line from the other core.
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10;

    PoolEntry(C connection, int state) {
        this.connection = connection;
        this.reuse = CompletableFuture.completedFuture(connection);
        this.state = state;
    }

    int state() {
        return state;
    }

    boolean claim(int expected, int next) {
        return STATE.compareAndSet(this, expected, next);
    }

    /** A volatile store: later reads of the waiter queue cannot be reordered before it. */
    void set(int next) {
        state = next;
    }
}
