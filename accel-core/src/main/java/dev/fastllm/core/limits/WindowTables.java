package dev.fastllm.core.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The limiter's current {@link WindowTable} and the copies that replace it: growth once it is crowded,
 * clean-up or shrinking after evictions, and moving the time base forward. A copy is started by one caller,
 * installed as the table's successor, advanced one chunk at a time by every caller that meets it, and
 * finished by {@link #finishCopy} (eviction's housekeeping) without waiting for anyone.
 *
 * <p>{@link LockFreeKeyRateLimiter} extends this class rather than holding an instance, so that every call
 * reaches the current table in one load from the limiter, not two (a dependent load less on each call's
 * path: measured on the limiter benchmark, see docs/ARCHITECTURE.md).
 */
abstract class WindowTables {
    /** How far before the triggering clock reading a new table base is placed. */
    static final long BASE_MARGIN_MILLIS = 240_000;
    /** A table moves its base once a new anchor lies this far after it (the compact range ends ~8.7 min later). */
    static final long REBASE_AFTER_MILLIS = WindowWord.MAX_START_OFFSET - (1L << 19);

    private static final VarHandle TABLE;

    static {
        try {
            TABLE = MethodHandles.lookup().findVarHandle(WindowTables.class, "table", WindowTable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile WindowTable table;

    WindowTables(int capacity) {
        table = new WindowTable(capacity, 0, false, WindowTable.NEVER);
    }

    WindowTable current() {
        return table;
    }

    /** Starts growing the current table once it is crowded. */
    void grow(WindowTable t, long now, long live) {
        if (t.crowded() && t.next == null && table == t) {
            startCopy(t, WindowTable.capacityFor(Math.max(live, t.claimed())), now, true);
        }
    }

    /**
     * Starts moving the current table's base to just before {@code now}, if it is due, the table is current
     * and not already being copied.
     *
     * @return true when a copy is under way from {@code t} (the caller copies its slot and retries there)
     */
    boolean rebase(WindowTable t, long now, long live) {
        if (t.based && now - t.base <= REBASE_AFTER_MILLIS) {
            return false; // a lagging clock reading: a new base would not help, the key goes wide
        }
        if (t.next == null && table == t) {
            startCopy(t, WindowTable.capacityFor(Math.max(live, t.claimed())), now, true);
        }
        return t.next != null;
    }

    /**
     * After an eviction scan: copies into a right-sized table when many slots are dead or most are empty. The
     * copy keeps the table's base: only traffic moves it. An eviction whose clock reading leads the traffic's
     * (a caller dropping everything idle with {@code evictIdle(Long.MAX_VALUE)}) once moved the base there,
     * which forgot live windows and, every later reading then lying before the base, kept every new window
     * on the wide path for good.
     */
    void shrinkIfSparse(long live, long now) {
        WindowTable t = finishCopy();
        int cap = t.capacity();
        if (cap > WindowTable.MIN_CAPACITY && (live * 8 < cap || t.claimed() - live > cap / 4)) {
            startCopy(t, WindowTable.capacityFor(live), now, false);
            finishCopy();
        }
    }

    /**
     * Starts copying the current table into one of {@code capacity} slots, based near {@code now} if due and
     * {@code mayMove}.
     */
    private void startCopy(WindowTable t, int capacity, long now, boolean mayMove) {
        boolean move = mayMove && (!t.based || now - t.base > REBASE_AFTER_MILLIS);
        WindowTable successor = move
                ? new WindowTable(capacity, now - BASE_MARGIN_MILLIS, true, now)
                : new WindowTable(capacity, t.base, t.based, WindowTable.NEVER);
        if (t.startCopy(successor)) {
            helpCopy(t);
        }
    }

    /** Helps the copy out of {@code t} by one chunk, then gives the table to continue in. */
    WindowTable follow(WindowTable t) {
        WindowTable n = t.nextOrGrown(); // no successor yet: t is full (a burst of new keys raced its growth)
        helpCopy(t);
        return n;
    }

    /** As {@link #follow(WindowTable)}, after completing the copy of slot {@code i}. */
    WindowTable follow(WindowTable t, int i) {
        t.copySlot(i);
        return follow(t);
    }

    private void helpCopy(WindowTable t) {
        if (t.copyChunk() || t.copied()) {
            TABLE.compareAndSet(this, t, t.next);
        }
    }

    /** Completes every copy in progress and returns the current table. */
    WindowTable finishCopy() {
        while (true) {
            WindowTable t = table;
            if (t.next == null) {
                return t;
            }
            for (int i = 0; i <= t.mask; i++) {
                t.copySlot(i); // idempotent: slots other threads are copying are simply done twice
            }
            TABLE.compareAndSet(this, t, t.next);
        }
    }
}
