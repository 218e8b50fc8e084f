package dev.fastllm.gateway.upstream;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionPoolTest {

    /** A connection that can be closed "by the peer". */
    static final class FakeConn {
        final int id;
        volatile boolean open = true;
        volatile boolean closedByPool;

        FakeConn(int id) {
            this.id = id;
        }
    }

    static final class FakeConnector implements ConnectionPool.Connector<FakeConn> {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        volatile boolean refuse;
        volatile CompletableFuture<FakeConn> manual;

        @Override
        public CompletableFuture<FakeConn> connect() {
            if (refuse) {
                return CompletableFuture.failedFuture(new java.net.ConnectException("refused"));
            }
            if (manual != null) {
                return manual;
            }
            return CompletableFuture.completedFuture(new FakeConn(created.incrementAndGet()));
        }

        @Override
        public boolean isUsable(FakeConn c) {
            return c.open;
        }

        @Override
        public void close(FakeConn c) {
            c.open = false;
            c.closedByPool = true;
            closed.incrementAndGet();
        }
    }

    final FakeConnector connector = new FakeConnector();
    final AtomicLong clock = new AtomicLong();

    ConnectionPool<FakeConn> pool(int max, int pending) {
        return new ConnectionPool<>("test", connector, max, pending, TimeUnit.SECONDS.toNanos(60), clock::get);
    }

    static FakeConn now(CompletableFuture<FakeConn> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void reusesIdleConnectionMostRecentFirst() throws Exception {
        var pool = pool(4, 4);
        FakeConn a = now(pool.acquire());
        FakeConn b = now(pool.acquire());
        pool.release(a, true);
        pool.release(b, true);
        assertSame(b, now(pool.acquire()), "most recently released first");
        assertEquals(2, connector.created.get());
        var s = pool.stats();
        assertEquals(1, s.leased());
        assertEquals(1, s.idle());
    }

    @Test
    void neverExceedsMaxConnectionsAndQueuesWaiters() throws Exception {
        var pool = pool(2, 10);
        FakeConn a = now(pool.acquire());
        FakeConn b = now(pool.acquire());
        CompletableFuture<FakeConn> waiting = pool.acquire();
        assertFalse(waiting.isDone());
        assertEquals(2, connector.created.get());
        assertEquals(1, pool.stats().pending());
        pool.release(a, true);
        assertSame(a, now(waiting), "a released connection goes straight to the waiter");
        assertEquals(2, pool.stats().leased());
        pool.release(b, true);
        pool.release(a, true);
        assertEquals(0, pool.stats().leased());
        assertEquals(2, pool.stats().idle());
    }

    @Test
    void fullWaitQueueFailsFast() throws Exception {
        var pool = pool(1, 1);
        now(pool.acquire());
        CompletableFuture<FakeConn> queued = pool.acquire();
        CompletableFuture<FakeConn> rejected = pool.acquire();
        assertFalse(queued.isDone());
        ExecutionException e = assertThrows(ExecutionException.class, () -> rejected.get(1, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionPool.PoolExhaustedException.class, e.getCause());
    }

    @Test
    void waiterThatTimedOutIsSkipped() throws Exception {
        var pool = pool(1, 4);
        FakeConn a = now(pool.acquire());
        CompletableFuture<FakeConn> gaveUp = pool.acquire();
        CompletableFuture<FakeConn> patient = pool.acquire();
        gaveUp.completeExceptionally(new TimeoutException());
        pool.release(a, true);
        assertSame(a, now(patient));
        assertEquals(1, pool.stats().leased());
    }

    @Test
    void connectionClosedByPeerIsNeverHandedOut() throws Exception {
        var pool = pool(2, 2);
        FakeConn a = now(pool.acquire());
        pool.release(a, true);
        a.open = false; // the upstream closed it while idle
        FakeConn b = now(pool.acquire());
        assertNotSame(a, b);
        assertTrue(b.open);
        assertEquals(1, pool.stats().leased());
        assertEquals(0, pool.stats().idle());
    }

    @Test
    void purgeDropsDeadIdleConnections() throws Exception {
        var pool = pool(3, 0);
        FakeConn a = now(pool.acquire());
        FakeConn b = now(pool.acquire());
        pool.release(a, true);
        pool.release(b, true);
        a.open = false;
        pool.purgeUnusable();
        assertEquals(1, pool.stats().idle());
        assertSame(b, now(pool.acquire()));
    }

    @Test
    void nonReusableReleaseClosesAndFreesTheSlotForAWaiter() throws Exception {
        var pool = pool(1, 4);
        FakeConn a = now(pool.acquire());
        CompletableFuture<FakeConn> waiting = pool.acquire();
        pool.release(a, false);
        assertTrue(a.closedByPool);
        FakeConn fresh = now(waiting);
        assertNotSame(a, fresh);
        assertEquals(2, connector.created.get());
        assertEquals(1, pool.stats().leased());
    }

    @Test
    void idleEvictionClosesOnlyExpiredConnections() throws Exception {
        var pool = pool(3, 0);
        FakeConn old = now(pool.acquire());
        FakeConn young = now(pool.acquire());
        pool.release(old, true);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(50));
        pool.release(young, true);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(15)); // old idle 65 s, young 15 s
        assertEquals(1, pool.evictIdle());
        assertTrue(old.closedByPool);
        assertFalse(young.closedByPool);
        assertEquals(1, pool.stats().idle());
    }

    @Test
    void failedConnectFailsTheRequestAndFreesTheSlot() throws Exception {
        var pool = pool(1, 2);
        connector.refuse = true;
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.acquire().get(1, TimeUnit.SECONDS));
        assertInstanceOf(java.net.ConnectException.class, e.getCause());
        connector.refuse = false;
        FakeConn c = now(pool.acquire());
        assertTrue(c.open);
        assertEquals(1, pool.stats().leased());
        assertEquals(0, pool.stats().connecting());
    }

    @Test
    void connectionArrivingAfterRequesterGaveUpReturnsToThePool() throws Exception {
        var pool = pool(1, 2);
        connector.manual = new CompletableFuture<>();
        CompletableFuture<FakeConn> f = pool.acquire();
        f.cancel(false);
        FakeConn late = new FakeConn(99);
        connector.manual.complete(late);
        var s = pool.stats();
        assertEquals(0, s.leased());
        assertEquals(1, s.idle());
        connector.manual = null;
        assertSame(late, now(pool.acquire()));
    }

    @Test
    void closeFailsWaitersAndClosesIdle() throws Exception {
        var pool = pool(1, 2);
        FakeConn a = now(pool.acquire());
        CompletableFuture<FakeConn> waiting = pool.acquire();
        pool.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionPool.PoolClosedException.class, e.getCause());
        pool.release(a, true);
        assertTrue(a.closedByPool, "a connection released after close is closed");
        assertThrows(ExecutionException.class, () -> pool.acquire().get(1, TimeUnit.SECONDS));
    }

    @Test
    void everyLeaseIsReleasedAfterAConcurrentBurst() throws Exception {
        int max = 8;
        var pool = pool(max, 10_000);
        int threads = 16;
        int perThread = 2_000;
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(exec.submit(() -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                    FakeConn c = pool.acquire().get(10, TimeUnit.SECONDS);
                    int n = inUse.incrementAndGet();
                    highWater.accumulateAndGet(n, Math::max);
                    if (!c.open) {
                        failures.incrementAndGet();
                    }
                    if (ThreadLocalRandom.current().nextInt(50) == 0) {
                        c.open = false; // peer closes some connections mid-use
                    }
                    inUse.decrementAndGet();
                    pool.release(c, ThreadLocalRandom.current().nextInt(20) != 0);
                }
                return null;
            }));
        }
        go.countDown();
        for (var f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        exec.shutdown();
        var s = pool.stats();
        assertEquals(0, failures.get(), "a dead connection was handed out");
        assertTrue(highWater.get() <= max, "more than " + max + " connections leased at once: " + highWater.get());
        assertEquals(0, s.leased(), "leases lost: " + s);
        assertEquals(0, s.connecting());
        assertEquals(0, s.pending());
        assertTrue(s.idle() <= max);
        assertEquals(connector.created.get(), s.idle() + connector.closed.get(), "every created connection is idle or closed");
    }
}
