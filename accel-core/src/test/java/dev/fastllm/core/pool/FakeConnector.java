package dev.fastllm.core.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connector of numbered fake connections, usable as the connector of both the gateway's pool and the twin.
 * Modes: connect at once, refuse at once, or hold the connect until the test completes it.
 */
final class FakeConnector implements Connector<FakeConnector.Conn>,
        dev.fastllm.gateway.upstream.ConnectionPool.Connector<FakeConnector.Conn> {

    /** A connection that the peer can close. */
    static final class Conn {
        final int id;
        volatile boolean open = true;
        volatile boolean closedByPool;

        Conn(int id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "conn" + id;
        }
    }

    enum Mode { IMMEDIATE, REFUSE, HOLD }

    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final List<Conn> all = new ArrayList<>();
    final ArrayDeque<CompletableFuture<Conn>> held = new ArrayDeque<>();
    volatile Mode mode = Mode.IMMEDIATE;

    @Override
    public CompletableFuture<Conn> connect() {
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

    Conn newConn() {
        Conn c = new Conn(created.incrementAndGet());
        synchronized (all) {
            all.add(c);
        }
        return c;
    }

    /** Completes the oldest held connect with a new connection, or fails it. */
    void finishHeld(boolean succeed) {
        CompletableFuture<Conn> f = held.poll();
        if (f == null) {
            return;
        }
        if (succeed) {
            f.complete(newConn());
        } else {
            f.completeExceptionally(new java.net.ConnectException("refused late"));
        }
    }

    @Override
    public boolean isUsable(Conn c) {
        return c.open;
    }

    @Override
    public void close(Conn c) {
        c.open = false;
        c.closedByPool = true;
        closed.incrementAndGet();
    }

    /** A connector of both pools' types over a {@link FakeConnector}, for tests to override one callback. */
    static class Delegating implements Connector<Conn>, dev.fastllm.gateway.upstream.ConnectionPool.Connector<Conn> {
        final FakeConnector fake = new FakeConnector();

        @Override
        public CompletableFuture<Conn> connect() {
            return fake.connect();
        }

        @Override
        public boolean isUsable(Conn c) {
            return fake.isUsable(c);
        }

        @Override
        public void close(Conn c) {
            fake.close(c);
        }
    }
}
