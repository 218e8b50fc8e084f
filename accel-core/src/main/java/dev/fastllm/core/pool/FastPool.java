package dev.fastllm.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * A bounded pool of keep-alive connections whose acquire and release of an idle connection take no lock: the
 * semantics of the gateway's {@code ConnectionPool}, call for call, on the layout of HikariCP's
 * {@code ConcurrentBag}. Requests that find nothing wait in a FIFO queue with its own lock ({@link Waiters}).
 *
 * <p>Semantics (the original's): {@link #acquire} hands out a usable idle connection, most recently
 * released first; else opens one while leased + connecting &lt; max; else queues the request FIFO, up to
 * {@code maxPending} requests still waiting, and beyond that fails it with {@link Refusals#exhausted}.
 * {@link #release} gives a usable connection to the longest-waiting request that has not given up, else
 * parks it idle; an unusable or non-reusable one is closed and its slot opens a connection for the next
 * waiter. A connection that arrives for a requester that gave up goes back to the pool; a failed connect
 * fails its requester and lets the next waiter try. {@link Connector#isUsable} is checked on every reuse,
 * so a connection the peer closed is never handed out. Futures are completed on the calling thread with
 * no lock held, so a continuation never runs inside the pool's bookkeeping.
 *
 * <p>How: each connection has an entry with a state word; taking an idle one is a compare-and-set on that
 * word, and each thread first looks at the entries it released itself ({@link ThreadStack}), so the
 * uncontended acquire and release of an idle connection take no lock, write no shared line, and allocate
 * nothing: the future handed out for a reused connection is one completed future kept with its entry.
 * Which connections exist, and the limit on them, are {@link PoolSlots}'s job. A request that finds
 * nothing queues, then looks again; a release that parks a connection looks at the queue after its store:
 * one of the two always sees the other, so no connection stays idle while a request waits. While anyone
 * waits, new requests queue behind them. A request finding the queue full first serves what can be served,
 * and is refused only when nothing could be: the original, under one lock, never shows a full queue beside a
 * free connection.
 *
 * <p>Differences from the original: with more than one thread (even taking turns), "most recently used" is
 * per thread first, so a dead connection another thread parked may stay idle where the original would have
 * met and closed it; {@link #stats()} reads its counts one by one; connections are closed in creation order by
 * {@link #evictIdle()} (the same ones as the original, not in its order). Releasing a connection this pool
 * has not leased out throws {@link IllegalStateException} (the original would adopt it).
 *
 * @param <C> the connection type
 */
public final class FastPool<C> implements AutoCloseable {
    private final String name;
    private final Connector<C> connector;
    private final Refusals refusals;
    private final int maxConnections;
    private final int maxPending;
    private final long idleTimeoutNanos;
    private final LongSupplier nanoClock;

    private static final VarHandle CHECKS_ENDED;
    private static final VarHandle CHECKS_STARTED;

    static {
        try {
            CHECKS_ENDED = MethodHandles.lookup().findVarHandle(FastPool.class, "checksEnded", long.class);
            CHECKS_STARTED = MethodHandles.lookup().findVarHandle(FastPool.class, "checksStarted", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Stacks stacks;
    private final PoolSlots<C> slots;
    private final Waiters<C> waiters = new Waiters<>();
    private volatile boolean closed;
    /**
     * Maintenance passes ({@link #evictIdle}, {@link #purgeUnusable}) finished so far. A pass holds an idle
     * entry {@link PoolEntry#RESERVED} while it checks it and frees a slot only once its connection is closed,
     * where the original holds its lock: an acquire that found nothing idle looks again if a pass ended
     * meanwhile, and waits for one still running ({@link #checksChanged}).
     */
    private volatile long checksEnded;
    /** Maintenance passes started so far; a pass is running while this is ahead of {@link #checksEnded}. */
    private volatile long checksStarted;

    /** As the gateway's pool: failures are this package's {@link PoolExhaustedException} and {@link PoolClosedException}. */
    public FastPool(String name, Connector<C> connector, int maxConnections, int maxPending,
                    long idleTimeoutNanos, LongSupplier nanoClock) {
        this(name, connector, maxConnections, maxPending, idleTimeoutNanos, nanoClock, Refusals.DEFAULT);
    }

    /**
     * @param refusals builds the exceptions refused and closed acquires fail with (a twin passes its
     *                 original's types)
     */
    public FastPool(String name, Connector<C> connector, int maxConnections, int maxPending,
                    long idleTimeoutNanos, LongSupplier nanoClock, Refusals refusals) {
        if (maxConnections <= 0 || maxPending < 0 || idleTimeoutNanos <= 0) {
            throw new IllegalArgumentException("maxConnections > 0, maxPending >= 0, idleTimeout > 0 required");
        }
        this.name = Objects.requireNonNull(name);
        this.connector = Objects.requireNonNull(connector);
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock);
        this.refusals = Objects.requireNonNull(refusals);
        this.stacks = new Stacks(maxConnections);
        this.slots = new PoolSlots<>(connector, maxConnections);
    }

    public String name() {
        return name;
    }

    /**
     * Leases a connection: an idle usable one, else a new one while under the limit, else a place in the
     * wait queue (or a failed future when the queue is full or the pool closed). Release what you get
     * exactly once; give up waiting by cancelling or timing out the future.
     */
    public CompletableFuture<C> acquire() {
        if (closed) {
            return CompletableFuture.failedFuture(refusals.closed(closedMessage()));
        }
        if (waiters.quiet()) {
            ThreadStack local = stacks.get();
            PoolEntry<C> e = claimOwn(local);
            if (e == null) {
                long checks = checksEnded;
                e = claimShared();
                while (e == null && checksChanged(checks, local)) {
                    checks = checksEnded;
                    e = claimShared();
                }
            }
            if (e != null) {
                local.lastLeased = e;
                return e.reuse;
            }
            if (slots.reserve() || slots.connectHeld()) {
                return connectNew();
            }
        } else if (slots.connectHeld()) {
            // made while a failed connect's future completes: the original freed that slot before completing
            // it and serves its queue only after, so a request made meanwhile opens on the slot, on any thread
            return connectNew();
        }
        return await();
    }

    /** Opens a connection for a new request, on the slot it reserved or on a failed connect's held slot. */
    private CompletableFuture<C> connectNew() {
        CompletableFuture<C> target = new CompletableFuture<>();
        connect(target);
        return target;
    }

    /**
     * Returns a leased connection: a reusable, usable one goes to the longest-waiting request, else idle;
     * any other is closed, and its slot may open a connection for a waiting request.
     *
     * @throws IllegalStateException if this pool has not leased {@code connection} out
     */
    public void release(C connection, boolean reusable) {
        ThreadStack local = stacks.get();
        PoolEntry<C> e = leasedEntry(local, connection);
        if (reusable && connector.isUsable(connection)) {
            handOff(e, local);
            return;
        }
        slots.retire(e);
        drain();
    }

    /**
     * {@link #release} if this pool has {@code connection} leased out; otherwise does nothing and answers
     * false. For a caller that holds leases of this pool and of another one and must give each back to the
     * pool that leased it, with one lookup.
     */
    public boolean releaseIfLeased(C connection, boolean reusable) {
        ThreadStack local = stacks.get();
        PoolEntry<C> e = leasedEntryOrNull(local, connection);
        if (e == null) {
            return false;
        }
        if (reusable && connector.isUsable(connection)) {
            handOff(e, local);
        } else {
            slots.retire(e);
            drain();
        }
        return true;
    }

    /**
     * Closes idle connections unused for at least the idle timeout, and dead ones. Returns how many. As the
     * original, it first takes every such connection off the books, then closes them, so a connector's
     * {@code close} that calls back into the pool (a close listener running {@link #purgeUnusable}) finds
     * them gone and the count is the original's. A connector whose {@code isUsable} throws leaves that
     * connection idle, as in the original; the ones already taken off are still closed (the original leaves
     * them unclosed), and waiting requests are served before the exception goes on.
     */
    public int evictIdle() {
        long now = nanoClock.getAsLong();
        return maintain(now, true);
    }

    /**
     * Closes idle connections that are no longer usable (call it when a connection closes). A connector
     * whose {@code isUsable} throws leaves that connection idle, as in the original.
     */
    public void purgeUnusable() {
        maintain(0, false);
    }

    /**
     * One maintenance pass: each idle entry is held {@link PoolEntry#RESERVED} while it is checked (by age
     * when {@code byAge}, then by {@code isUsable}), then put back or taken off the books; those taken off
     * are closed after the scan. The whole pass, closes included, counts as running for
     * {@link #checksChanged}, as the original's pass holds its lock.
     */
    private int maintain(long now, boolean byAge) {
        ThreadStack local = stacks.get();
        PoolEntry<C>[] gone = null;
        int evicted = 0;
        CHECKS_STARTED.getAndAdd(this, 1L);
        local.checking++;
        try {
            PoolEntry<C>[] entries = slots.table().entries;
            for (PoolEntry<C> e : entries) {
                if (e.state() == PoolEntry.IDLE && e.claim(PoolEntry.IDLE, PoolEntry.RESERVED)) {
                    if ((byAge && now - e.idleSince >= idleTimeoutNanos) || !stillUsable(e)) {
                        slots.forget(e);
                        if (gone == null) {
                            gone = newEntries(entries.length); // at most one each
                        }
                        gone[evicted++] = e;
                    } else {
                        e.set(PoolEntry.IDLE);
                    }
                }
            }
        } finally {
            try {
                for (int i = 0; i < evicted; i++) {
                    slots.close(gone[i]);
                }
            } finally {
                local.checking--;
                CHECKS_ENDED.getAndAdd(this, 1L);
                afterPutBack();
            }
        }
        return evicted;
    }

    @SuppressWarnings("unchecked")
    private static <C> PoolEntry<C>[] newEntries(int n) {
        return (PoolEntry<C>[]) new PoolEntry<?>[n];
    }

    /**
     * A maintenance check of an entry held {@link PoolEntry#RESERVED}: whether its connection is usable; if
     * the connector throws, the entry goes back to idle before the exception goes on.
     */
    private boolean stillUsable(PoolEntry<C> e) {
        boolean answered = false;
        try {
            boolean usable = connector.isUsable(e.connection);
            answered = true;
            return usable;
        } finally {
            if (!answered) {
                e.set(PoolEntry.IDLE);
            }
        }
    }

    /**
     * After an acquire found nothing idle: true if it should look again, because a maintenance pass ended
     * since {@code before} was read, or one is running on another thread (then this waits for it to end, as
     * the original's acquire waits for the lock its pass holds: the pass may hold the only idle connection
     * for its check, or be closing one whose slot frees only once it is closed). Without this, such an
     * acquire opened another connection or was refused. A pass of this very thread (an acquire called back
     * from its connector) is not waited for: it could never end.
     */
    private boolean checksChanged(long before, ThreadStack local) {
        if (checksEnded != before) {
            return true;
        }
        if (local.checking != 0 || checksStarted == before) {
            return false;
        }
        for (int spins = 0; checksEnded == before; spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return true;
    }

    public PoolStats stats() {
        int leased = 0;
        int idle = 0;
        for (PoolEntry<C> e : slots.table().entries) {
            int s = e.state();
            if (s == PoolEntry.LEASED) {
                leased++;
            } else if (s == PoolEntry.IDLE || s == PoolEntry.RESERVED) {
                idle++;
            }
        }
        return new PoolStats(leased, idle, slots.connecting(), waiters.live(), maxConnections, slots.openedCount(),
                slots.closedCount());
    }

    /** Closes every idle connection and fails every waiting request; leased connections close on release. */
    @Override
    public void close() {
        closed = true;
        closeIdle();
        waiters.failAll(refusals.closed(closedMessage()));
    }

    // ---- taking and giving back ----------------------------------------------------------------

    /** Claims the newest usable entry this thread released; dead ones met on the way are closed. */
    @SuppressWarnings("unchecked")
    private PoolEntry<C> claimOwn(ThreadStack local) {
        Object o;
        while ((o = local.pop()) != null) {
            PoolEntry<C> e = (PoolEntry<C>) o;
            if (e.state() == PoolEntry.IDLE && e.claim(PoolEntry.IDLE, PoolEntry.LEASED) && keepIfUsable(e)) {
                return e;
            }
        }
        return null;
    }

    /** Claims any usable idle entry; dead ones met on the way are closed. */
    private PoolEntry<C> claimShared() {
        for (PoolEntry<C> e : slots.table().entries) {
            if (e.state() == PoolEntry.IDLE && e.claim(PoolEntry.IDLE, PoolEntry.LEASED) && keepIfUsable(e)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Checks an entry its caller has claimed: true if its connection is usable; otherwise the entry is closed
     * and forgotten. A check that throws closes it too before the throw goes on, so a connector's exception
     * never strands a claimed entry (the slot stays counted, the connection is handed out to nobody).
     */
    private boolean keepIfUsable(PoolEntry<C> e) {
        boolean usable = false;
        try {
            usable = connector.isUsable(e.connection);
            return usable;
        } finally {
            if (!usable) {
                slots.retire(e);
            }
        }
    }

    private void handOff(PoolEntry<C> e, ThreadStack local) {
        if (closed) {
            // before the queue, as the original: a request that joined after close() must fail, not get this
            slots.retire(e);
            return;
        }
        if (!waiters.quiet() && giveToWaiter(e)) {
            return;
        }
        e.idleSince = nanoClock.getAsLong();
        local.push(e);
        e.set(PoolEntry.IDLE);
        afterPutBack();
    }

    /** Completes the longest-waiting live request with {@code e}'s connection; false if none waits. */
    private boolean giveToWaiter(PoolEntry<C> e) {
        CompletableFuture<C> w;
        while ((w = waiters.pollLive()) != null) {
            if (w.complete(e.connection)) {
                return true;
            }
        }
        return false;
    }

    /** After an entry became idle: a close or a waiter that came meanwhile must see it. */
    private void afterPutBack() {
        if (closed) {
            closeIdle();
        } else if (!waiters.quiet()) {
            drain();
        }
    }

    private CompletableFuture<C> await() {
        CompletableFuture<C> waiter = new CompletableFuture<>();
        boolean joined = waiters.offer(waiter, maxPending);
        while (!joined) {
            // Full. A request that looked for something free, found nothing and joined may not have served
            // itself yet from what a release freed meanwhile (the release looked at the queue before it
            // joined): serve such requests, which makes room, then look again. Refuse when the queue is still
            // full after a drain that served nobody.
            int served = drain();
            joined = waiters.offer(waiter, maxPending);
            if (!joined && served == 0) {
                return CompletableFuture.failedFuture(refusals.exhausted("pool " + name + " has " + maxConnections
                        + " connections in use and " + maxPending + " requests waiting"));
            }
        }
        if (closed) {
            waiters.failAll(refusals.closed(closedMessage()));
        } else {
            drain();
        }
        return waiter;
    }

    /**
     * Serves waiters while something can serve them: an idle connection, or room to open one. Called after
     * anything that may free a connection or a slot, and by a request right after it queued. What serves the
     * first waiter is taken while the queue is held still, so no call can see that waiter still queued once
     * it is taken (another request would be refused for a queue that is in fact being served); the future is
     * completed after.
     *
     * @return how many waiters were served
     */
    private int drain() {
        int served = 0;
        ThreadStack local = stacks.get();
        while (!closed && !waiters.quiet()) {
            CompletableFuture<C> w;
            PoolEntry<C> e;
            waiters.lock();
            try {
                w = waiters.firstLive();
                if (w == null) {
                    break;
                }
                e = claimSharedHeld(local);
                if (local.dead != null) {
                    w = null; // a dead connection to close first (after the lock), then look again
                } else if (e == null) {
                    if (!slots.reserve()) {
                        break;
                    }
                    waiters.removeFirst(w); // no connector callback ran since firstLive: w is still first
                } else if (!waiters.removeFirst(w)) {
                    w = null; // the check of e called back into the pool, on this thread, and served w
                }
            } finally {
                waiters.unlock();
                closeDead(local);
            }
            if (w == null) {
                if (e != null) {
                    handOff(e, local);
                }
                continue;
            }
            served++;
            if (e == null) {
                connect(w);
            } else if (!w.complete(e.connection)) {
                handOff(e, local); // it gave up meanwhile: the next waiter, or idle
            }
        }
        return served;
    }

    /**
     * {@link #claimShared} for a caller holding the wait queue's lock: the connector's {@code close} is not
     * called under it (a close may call back into the pool, as a channel's close listener calls
     * {@link #purgeUnusable}; the original too closes only outside its lock). The first dead entry met is
     * taken out of the pool and left in {@code local.dead} for {@link #closeDead} once the lock is let go;
     * the claim then answers null.
     */
    private PoolEntry<C> claimSharedHeld(ThreadStack local) {
        for (PoolEntry<C> e : slots.table().entries) {
            if (e.state() == PoolEntry.IDLE && e.claim(PoolEntry.IDLE, PoolEntry.LEASED)) {
                boolean usable = false;
                try {
                    usable = connector.isUsable(e.connection);
                } finally {
                    if (!usable) {
                        slots.forget(e);
                        local.dead = e;
                    }
                }
                return usable ? e : null;
            }
        }
        return null;
    }

    /** Closes the dead entry {@link #claimSharedHeld} left, if any, and frees its slot. */
    private void closeDead(ThreadStack local) {
        @SuppressWarnings("unchecked")
        PoolEntry<C> dead = (PoolEntry<C>) local.dead;
        if (dead != null) {
            local.dead = null;
            slots.close(dead);
        }
    }

    // ---- opening and closing -------------------------------------------------------------------

    private void connect(CompletableFuture<C> target) {
        CompletableFuture<C> opening;
        try {
            opening = connector.connect();
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete(new Arrival(target));
    }

    /** A connect finished: the new connection goes to its requester, or back to the pool if it gave up. */
    private final class Arrival implements BiConsumer<C, Throwable> {
        private final CompletableFuture<C> target;

        Arrival(CompletableFuture<C> target) {
            this.target = target;
        }

        @Override
        public void accept(C connection, Throwable error) {
            if (error != null) {
                failed(target, error);
                return;
            }
            PoolEntry<C> e = slots.opened(connection);
            if (closed) {
                slots.retire(e);
                target.completeExceptionally(refusals.closed(closedMessage()));
            } else if (!target.complete(connection)) {
                // the requester gave up: back to the pool as a release would, so only if still usable
                if (connector.isUsable(connection)) {
                    handOff(e, stacks.get());
                } else {
                    slots.retire(e);
                    drain();
                }
            }
        }
    }

    /**
     * The connect for {@code target} failed. The original frees the slot, completes the future (whose
     * continuation runs on this thread) and only then lets a waiting request open on the slot; a request
     * made in between, by the continuation or by any other thread, finds the slot free and opens on it. Here
     * the slot is held ({@link PoolSlots#holdFailed}) while the future completes: a new request that no idle
     * connection serves opens on a held slot, and neither a release nor a drain gives a held slot to a
     * waiting request. Held slots count alike, so after the completion one held slot, if any is left, is
     * given back, and the queue is served: as in the original, where each failure's turn at the queue takes
     * whatever slot is free by then.
     */
    private void failed(CompletableFuture<C> target, Throwable error) {
        slots.holdFailed();
        try {
            target.completeExceptionally(error);
        } finally {
            slots.freeHeld();
        }
        drain();
    }

    private PoolEntry<C> leasedEntry(ThreadStack local, C connection) {
        PoolEntry<C> e = leasedEntryOrNull(local, connection);
        if (e == null) {
            throw new IllegalStateException("pool " + name + " has not leased out this connection");
        }
        return e;
    }

    /** The entry of {@code connection} if this pool has it leased out, else null. */
    private PoolEntry<C> leasedEntryOrNull(ThreadStack local, Object connection) {
        @SuppressWarnings("unchecked")
        PoolEntry<C> e = (PoolEntry<C>) local.lastLeased;
        if (e == null || e.connection != connection || e.state() != PoolEntry.LEASED) {
            e = slots.table().find(connection);
            if (e == null || e.state() != PoolEntry.LEASED) {
                return null;
            }
        }
        return e;
    }

    private void closeIdle() {
        for (PoolEntry<C> e : slots.table().entries) {
            if (e.state() == PoolEntry.IDLE && e.claim(PoolEntry.IDLE, PoolEntry.REMOVED)) {
                slots.retire(e);
            }
        }
    }

    private String closedMessage() {
        return "pool " + name + " is closed";
    }

    /** Per-thread stacks of this pool, created on a thread's first use. */
    private static final class Stacks extends ThreadLocal<ThreadStack> {
        private final int capacity;

        Stacks(int capacity) {
            this.capacity = capacity;
        }

        @Override
        protected ThreadStack initialValue() {
            return new ThreadStack(capacity);
        }
    }
}
