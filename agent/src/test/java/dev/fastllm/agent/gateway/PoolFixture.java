package dev.fastllm.agent.gateway;

import dev.fastllm.core.pool.FastPool;
import dev.fastllm.core.pool.PoolStats;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import dev.fastllm.gateway.upstream.ConnectionPool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/** Connections, a connector and a real ConnectionPool driven exactly as its rewritten methods run. */
final class PoolFixture {

    private PoolFixture() {
    }

    static Point point() {
        Points points = new Points(Settings.load(null, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("gateway.connection-pool", Component.CONNECTION_POOL, Kind.STATEFUL, Flag.ON);
    }

    /** A numbered connection the peer can close; counts how often a pool closed it. */
    static final class Conn {
        final int id;
        volatile boolean open = true;
        final AtomicInteger closes = new AtomicInteger();

        Conn(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "conn" + id;
        }
    }

    enum Mode { IMMEDIATE, REFUSE, HOLD }

    /** Connects at once, refuses, or holds connects until the test completes them; may fail one check. */
    static final class TestConnector implements ConnectionPool.Connector<Conn> {
        final List<Conn> all = new ArrayList<>();
        final ArrayDeque<CompletableFuture<Conn>> held = new ArrayDeque<>();
        final AtomicBoolean failNextCheck = new AtomicBoolean();
        volatile Mode mode = Mode.IMMEDIATE;

        @Override
        public synchronized CompletableFuture<Conn> connect() {
            switch (mode) {
                case REFUSE:
                    return CompletableFuture.failedFuture(new java.net.ConnectException("refused"));
                case HOLD: {
                    CompletableFuture<Conn> f = new CompletableFuture<>();
                    held.add(f);
                    return f;
                }
                default:
                    return CompletableFuture.completedFuture(newConn());
            }
        }

        synchronized Conn newConn() {
            Conn c = new Conn(all.size() + 1);
            all.add(c);
            return c;
        }

        /** Completes the oldest held connect with a new connection, or fails it. */
        void completeHeld(boolean succeed) {
            CompletableFuture<Conn> f;
            synchronized (this) {
                f = held.poll();
            }
            if (f != null) {
                if (succeed) {
                    f.complete(newConn());
                } else {
                    f.completeExceptionally(new java.net.ConnectException("connect failed"));
                }
            }
        }

        @Override
        public boolean isUsable(Conn c) {
            if (failNextCheck.getAndSet(false)) {
                throw new IllegalStateException("check failed");
            }
            return c.open && c.closes.get() == 0;
        }

        @Override
        public void close(Conn c) {
            c.closes.incrementAndGet();
        }

        synchronized int created() {
            return all.size();
        }

        synchronized long totalCloses() {
            long n = 0;
            for (Conn c : all) {
                n += c.closes.get();
            }
            return n;
        }
    }

    static final ConnectionPool.Stats NONE = new ConnectionPool.Stats(0, 0, 0, 0, 0, 0, 0);

    /**
     * A real ConnectionPool with the fast path called as the inlined advice calls it: each method asks the
     * bridge's handle first and runs the original body when the advice would.
     */
    static final class Rewritten {
        final TestConnector connector;
        final ConnectionPool<Conn> pool;
        final GatewayPoolFastPath fast;
        /** Whether the last acquire was answered by the twin. */
        boolean lastFast;

        Rewritten(Point point, TestConnector connector, String name, int max, int pending, long idle,
                  LongSupplier clock) {
            this.connector = connector;
            this.pool = new ConnectionPool<>(name, connector, max, pending, idle, clock);
            this.fast = new GatewayPoolFastPath(point);
        }

        @SuppressWarnings("unchecked")
        CompletableFuture<Conn> acquire() {
            Object f = fast.acquire(pool, pool.name());
            lastFast = f != null;
            return f != null ? (CompletableFuture<Conn>) f : pool.acquire();
        }

        void release(Conn c, boolean reusable) {
            if (!fast.release(pool, c, reusable)) {
                pool.release(c, reusable);
            }
        }

        int evictIdle() {
            int twin = fast.evictIdle(pool);
            return pool.evictIdle() + twin;
        }

        void purgeUnusable() {
            fast.purgeUnusable(pool);
            pool.purgeUnusable();
        }

        ConnectionPool.Stats stats() {
            ConnectionPool.Stats s = pool.stats();
            long[] t = fast.stats(pool, s.leased(), s.idle(), s.connecting(), s.pending(), s.opened(), s.closed());
            return t == null ? s : new ConnectionPool.Stats((int) t[0], (int) t[1], (int) t[2], (int) t[3], s.max(),
                    t[4], t[5]);
        }

        void close() {
            try {
                pool.close();
            } finally {
                fast.closed(pool);
            }
        }

        /** The original's own counts. */
        ConnectionPool.Stats originalStats() {
            return pool.stats();
        }

        /** The twin's counts (all zero, max too, before it exists). */
        ConnectionPool.Stats twinStats() {
            FastPool<Object> t = fast.twinIfAny(pool);
            return t == null ? NONE : of(t.stats());
        }

        boolean hasTwin() {
            return fast.twinIfAny(pool) != null;
        }
    }

    static ConnectionPool.Stats of(PoolStats s) {
        return new ConnectionPool.Stats(s.leased(), s.idle(), s.connecting(), s.pending(), s.max(), s.opened(),
                s.closed());
    }

    static ConnectionPool.Stats sum(ConnectionPool.Stats a, ConnectionPool.Stats b) {
        return new ConnectionPool.Stats(a.leased() + b.leased(), a.idle() + b.idle(), a.connecting() + b.connecting(),
                a.pending() + b.pending(), Math.max(a.max(), b.max()), a.opened() + b.opened(), a.closed() + b.closed());
    }

    /** What a future shows: pending, the connection's number, or the failure's type and message. */
    static String describe(CompletableFuture<Conn> f) {
        if (!f.isDone()) {
            return "pending";
        }
        try {
            return "conn" + f.getNow(null).id;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return "failed " + cause.getClass().getName() + ": " + cause.getMessage();
        }
    }
}
