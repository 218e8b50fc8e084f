package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connector whose {@code close} calls back into the pool, as the gateway's does (a channel's close listener
 * runs {@code purgeUnusable}, on the calling thread when the close happens on the channel's event loop).
 * When the queue's drain finds a dead idle connection for its first waiter, that close must not run while
 * the drain holds the queue: there, a call back that served the first waiter made the drain take the second
 * one out of the queue instead and never serve it.
 */
class ReentrantCloseTest {

    @Test
    void aWaiterIsServedWhenACloseCallsBackIntoThePool() throws Exception {
        AtomicReference<FastPool<Conn>> pool = new AtomicReference<>();
        AtomicReference<Conn> first = new AtomicReference<>();
        AtomicReference<Conn> other = new AtomicReference<>();
        AtomicReference<CompletableFuture<Conn>> w1 = new AtomicReference<>();
        AtomicReference<CompletableFuture<Conn>> w2 = new AtomicReference<>();
        AtomicBoolean hooked = new AtomicBoolean();
        AtomicBoolean calledBack = new AtomicBoolean();
        FakeConnector.Delegating connector = new FakeConnector.Delegating() {
            @Override
            public void close(Conn c) {
                super.close(c);
                if (c == first.get() && calledBack.compareAndSet(false, true)) {
                    // the close listener: another connection is given back not reusable (a slot frees and
                    // the queue is served from here), then the pool is purged
                    pool.get().release(other.get(), false);
                    pool.get().purgeUnusable();
                }
            }
        };
        // The clock is read by a release that parks a connection, after it looked at the queue and before the
        // connection shows idle: two requests queue there, and the peer closes the connection being parked.
        FastPool<Conn> p = new FastPool<>("p", connector, 2, 5, 1_000_000_000L, () -> {
            if (hooked.compareAndSet(false, true)) {
                Thread t = new Thread(() -> {
                    w1.set(pool.get().acquire());
                    w2.set(pool.get().acquire());
                });
                t.start();
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                first.get().open = false;
            }
            return 0L;
        });
        pool.set(p);
        Conn a = p.acquire().join();
        Conn b = p.acquire().join();
        first.set(a);
        other.set(b);
        p.release(a, true);

        assertTrue(calledBack.get(), "the scenario reached the close listener");
        CompletableFuture<Conn> f1 = w1.get();
        CompletableFuture<Conn> f2 = w2.get();
        assertEquals("conn3", PoolDifferentialTest.outcome(f1.orTimeout(5, TimeUnit.SECONDS)));
        assertEquals("conn4", PoolDifferentialTest.outcome(f2.orTimeout(5, TimeUnit.SECONDS)));
        PoolStats s = p.stats();
        assertEquals(new PoolStats(2, 0, 0, 0, 2, 4, 2), s);
        assertEquals(2, connector.fake.closed.get());
    }
}
