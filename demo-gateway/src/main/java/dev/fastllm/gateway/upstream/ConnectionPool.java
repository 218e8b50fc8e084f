package dev.fastllm.gateway.upstream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A bounded pool of keep-alive connections to one upstream deployment.
 *
 * <p>The design is the one Apache HttpClient's {@code StrictConnPool} uses for a route: one lock guards the
 * pool's whole state (idle connections, the leased count, connections being opened, and a queue of waiting
 * requests). Idle connections are reused most-recent-first, so the least recently used ones age out through
 * {@link #evictIdle()}. A connection the peer closed is never handed out: {@link Connector#isUsable} is
 * checked on every reuse, and {@link #purgeUnusable()} drops dead idle connections as soon as they close.
 * Futures are completed outside the lock, because completing one runs the caller's continuation.
 *
 * <p>Hot path surface (what an accelerator may replace): {@link #acquire()} and {@link #release(Object, boolean)}.
 *
 * @param <C> the connection type (a Netty {@code Channel} in the gateway)
 */
public final class ConnectionPool<C> implements AutoCloseable {

    /** Opens, checks and closes connections for the pool. */
    public interface Connector<C> {
        /** Opens a new connection; the future fails if it cannot be opened. */
        CompletableFuture<C> connect();

        /** True while the connection is open and may carry another request. */
        boolean isUsable(C connection);

        /** Closes the connection; must not throw. */
        void close(C connection);
    }

    /** Thrown (through the future) when the pool is full and its wait queue is too. */
    public static final class PoolExhaustedException extends RuntimeException {
        public PoolExhaustedException(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown (through the future) once the pool is closed. */
    public static final class PoolClosedException extends RuntimeException {
        public PoolClosedException(String message) {
            super(message, null, false, false);
        }
    }

    /** A point-in-time view of the pool, for metrics and tests. */
    public record Stats(int leased, int idle, int connecting, int pending, int max, long opened, long closed) {
        public int total() {
            return leased + idle + connecting;
        }
    }

    private record Idle<C>(C connection, long since) {
    }

    private final String name;
    private final Connector<C> connector;
    private final int maxConnections;
    private final int maxPending;
    private final long idleTimeoutNanos;
    private final LongSupplier nanoClock;

    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Idle<C>> idle = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<C>> pending = new ArrayDeque<>();
    private int leased;
    private int connecting;
    private long opened;
    private long closedCount;
    private boolean closed;

    public ConnectionPool(String name, Connector<C> connector, int maxConnections, int maxPending,
                          long idleTimeoutNanos, LongSupplier nanoClock) {
        if (maxConnections <= 0 || maxPending < 0 || idleTimeoutNanos <= 0) {
            throw new IllegalArgumentException("maxConnections > 0, maxPending >= 0, idleTimeout > 0 required");
        }
        this.name = Objects.requireNonNull(name);
        this.connector = Objects.requireNonNull(connector);
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.nanoClock = Objects.requireNonNull(nanoClock);
    }

    public String name() {
        return name;
    }

    /**
     * Leases a connection: an idle one if any is usable, else a new one while under the limit, else a place
     * in the wait queue. The caller must {@link #release} what it gets exactly once; a caller that gives up
     * waiting cancels or times out the future, and a connection arriving later goes back to the pool.
     */
    public CompletableFuture<C> acquire() {
        List<C> dead = null;
        CompletableFuture<C> result;
        boolean connect = false;
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new PoolClosedException("pool " + name + " is closed"));
            }
            Idle<C> candidate;
            while ((candidate = idle.pollFirst()) != null) {
                if (connector.isUsable(candidate.connection())) {
                    leased++;
                    break;
                }
                if (dead == null) {
                    dead = new ArrayList<>(2);
                }
                dead.add(candidate.connection());
                closedCount++;
            }
            if (candidate != null) {
                result = CompletableFuture.completedFuture(candidate.connection());
            } else if (leased + connecting < maxConnections) {
                connecting++;
                connect = true;
                result = new CompletableFuture<>();
            } else {
                if (pending.size() >= maxPending) {
                    pending.removeIf(CompletableFuture::isDone);
                }
                if (pending.size() >= maxPending) {
                    result = CompletableFuture.failedFuture(new PoolExhaustedException("pool " + name + " has "
                            + maxConnections + " connections in use and " + maxPending + " requests waiting"));
                } else {
                    result = new CompletableFuture<>();
                    pending.addLast(result);
                }
            }
        } finally {
            lock.unlock();
        }
        closeAll(dead);
        if (connect) {
            open(result);
        }
        return result;
    }

    /**
     * Returns a leased connection. A reusable one goes to the longest waiting request, else to the idle set;
     * a connection that is not reusable (the response said {@code Connection: close}, the exchange failed or
     * timed out) is closed, and its slot may open a connection for a waiting request.
     */
    public void release(C connection, boolean reusable) {
        if (reusable && connector.isUsable(connection)) {
            handOff(connection);
            return;
        }
        boolean connect = false;
        CompletableFuture<C> waiter = null;
        lock.lock();
        try {
            leased--;
            closedCount++;
            if (!closed && (waiter = nextWaiter()) != null) {
                connecting++;
                connect = true;
            }
        } finally {
            lock.unlock();
        }
        connector.close(connection);
        if (connect) {
            open(waiter);
        }
    }

    /** Closes idle connections unused for longer than the idle timeout, and dead ones. Returns how many. */
    public int evictIdle() {
        long now = nanoClock.getAsLong();
        List<C> evicted = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Idle<C>> it = idle.descendingIterator(); it.hasNext(); ) {
                Idle<C> e = it.next();
                if (now - e.since() >= idleTimeoutNanos || !connector.isUsable(e.connection())) {
                    it.remove();
                    evicted.add(e.connection());
                    closedCount++;
                }
            }
        } finally {
            lock.unlock();
        }
        closeAll(evicted);
        return evicted.size();
    }

    /** Drops idle connections that are no longer usable (called when a connection closes). */
    public void purgeUnusable() {
        List<C> dead = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Idle<C>> it = idle.iterator(); it.hasNext(); ) {
                Idle<C> e = it.next();
                if (!connector.isUsable(e.connection())) {
                    it.remove();
                    dead.add(e.connection());
                    closedCount++;
                }
            }
        } finally {
            lock.unlock();
        }
        closeAll(dead);
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(leased, idle.size(), connecting, (int) pending.stream().filter(f -> !f.isDone()).count(),
                    maxConnections, opened, closedCount);
        } finally {
            lock.unlock();
        }
    }

    /** Closes every idle connection and fails every waiting request; leased connections close on release. */
    @Override
    public void close() {
        List<C> toClose = new ArrayList<>();
        List<CompletableFuture<C>> waiters;
        lock.lock();
        try {
            closed = true;
            for (Idle<C> e : idle) {
                toClose.add(e.connection());
                closedCount++;
            }
            idle.clear();
            waiters = new ArrayList<>(pending);
            pending.clear();
        } finally {
            lock.unlock();
        }
        closeAll(toClose);
        PoolClosedException ex = new PoolClosedException("pool " + name + " is closed");
        waiters.forEach(w -> w.completeExceptionally(ex));
    }

    // ---- internals ----------------------------------------------------------------------------

    /** Gives a usable leased connection to the next live waiter, or parks it idle. */
    private void handOff(C connection) {
        while (true) {
            CompletableFuture<C> waiter;
            lock.lock();
            try {
                waiter = closed ? null : nextWaiter();
                if (waiter == null) {
                    leased--;
                    if (closed) {
                        closedCount++;
                    } else {
                        idle.addFirst(new Idle<>(connection, nanoClock.getAsLong()));
                        return;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (waiter == null) {
                connector.close(connection);
                return;
            }
            if (waiter.complete(connection)) {
                return; // still leased, now by the waiter
            }
            // the waiter gave up between poll and complete: offer the connection to the next one
        }
    }

    /** Must hold the lock. Skips waiters that timed out or were cancelled. */
    private CompletableFuture<C> nextWaiter() {
        CompletableFuture<C> w;
        while ((w = pending.pollFirst()) != null) {
            if (!w.isDone()) {
                return w;
            }
        }
        return null;
    }

    private void open(CompletableFuture<C> target) {
        CompletableFuture<C> connecting;
        try {
            connecting = connector.connect();
        } catch (RuntimeException e) {
            connecting = CompletableFuture.failedFuture(e);
        }
        connecting.whenComplete((conn, error) -> {
            boolean closeIt = false;
            lock.lock();
            try {
                this.connecting--;
                if (error == null) {
                    opened++;
                    leased++;
                    if (closed) {
                        closeIt = true;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (error != null) {
                target.completeExceptionally(error);
                retryForWaiter();
            } else if (closeIt) {
                release(conn, false);
                target.completeExceptionally(new PoolClosedException("pool " + name + " is closed"));
            } else if (!target.complete(conn)) {
                release(conn, true); // the requester gave up; keep the connection for others
            }
        });
    }

    /** After a failed connect freed a slot, lets the next waiter try its own connection. */
    private void retryForWaiter() {
        CompletableFuture<C> waiter;
        lock.lock();
        try {
            if (closed || leased + connecting >= maxConnections || (waiter = nextWaiter()) == null) {
                return;
            }
            connecting++;
        } finally {
            lock.unlock();
        }
        open(waiter);
    }

    private void closeAll(List<C> connections) {
        if (connections != null) {
            for (C c : connections) {
                connector.close(c);
            }
        }
    }
}
