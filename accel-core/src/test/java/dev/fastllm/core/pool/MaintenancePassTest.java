package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A maintenance pass as a whole: the original takes what it evicts off its books under its lock and closes
 * it after; the twin must answer alike while the pass is closing, and count alike when a close calls back
 * into the pool. And a thread that only gives back connections other threads take keeps a bounded stack.
 */
class MaintenancePassTest {

    /** A connector whose close on the thread named "maint" waits for the test. */
    static final class HeldClose implements Connector<Conn>, ConnectionPool.Connector<Conn> {
        final FakeConnector fake = new FakeConnector();
        final CountDownLatch inClose = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);

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
            if (Thread.currentThread().getName().equals("maint")) {
                inClose.countDown();
                try {
                    assertTrue(go.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            fake.close(c);
        }
    }

    private static MaintenanceRaceTest.Pool original(ConnectionPool.Connector<Conn> c, int max, int pending) {
        ConnectionPool<Conn> p = new ConnectionPool<>("p", c, max, pending, 1_000_000_000L, () -> 0L);
        return new MaintenanceRaceTest.Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn x) { p.release(x, true); }
            public void evictIdle() { p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public PoolStats stats() {
                ConnectionPool.Stats x = p.stats();
                return new PoolStats(x.leased(), x.idle(), x.connecting(), x.pending(), x.max(), x.opened(), x.closed());
            }
        };
    }

    private static MaintenanceRaceTest.Pool twin(Connector<Conn> c, int max, int pending) {
        FastPool<Conn> p = new FastPool<>("p", c, max, pending, 1_000_000_000L, () -> 0L);
        return new MaintenanceRaceTest.Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn x) { p.release(x, true); }
            public void evictIdle() { p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public PoolStats stats() { return p.stats(); }
        };
    }

    /** A dead idle connection; "maint" evicts or purges it and is held in its close; another thread acquires. */
    private static String closing(HeldClose s, MaintenanceRaceTest.Pool p, boolean evict) throws Exception {
        Conn c = p.acquire().join();
        p.release(c);
        c.open = false;
        Thread maint = new Thread(() -> {
            if (evict) {
                p.evictIdle();
            } else {
                p.purgeUnusable();
            }
        }, "maint");
        maint.start();
        assertTrue(s.inClose.await(10, TimeUnit.SECONDS));
        AtomicReference<CompletableFuture<Conn>> got = new AtomicReference<>();
        Thread requester = new Thread(() -> got.set(p.acquire()), "requester");
        requester.start();
        requester.join(200); // the original answers here; the twin waits for the pass
        s.go.countDown();
        requester.join(10_000);
        maint.join(10_000);
        CompletableFuture<Conn> f = got.get();
        try {
            f.get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the outcome says what happened
        }
        return "acquire -> " + PoolDifferentialTest.outcome(f) + "; " + p.stats();
    }

    @Test
    void anAcquireWhileEvictionClosesIsNotRefused() throws Exception {
        HeldClose a = new HeldClose();
        HeldClose b = new HeldClose();
        assertEquals(closing(a, original(a, 1, 0), true), closing(b, twin(b, 1, 0), true));
    }

    @Test
    void anAcquireWhilePurgingClosesIsNotRefused() throws Exception {
        HeldClose a = new HeldClose();
        HeldClose b = new HeldClose();
        assertEquals(closing(a, original(a, 1, 0), false), closing(b, twin(b, 1, 0), false));
    }

    /** A connector whose close runs the pool's purge, as the gateway's close listener does. */
    static final class PurgingClose implements Connector<Conn>, ConnectionPool.Connector<Conn> {
        final FakeConnector fake = new FakeConnector();
        Runnable purge = () -> { };

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
            purge.run();
        }
    }

    private static List<String> evictTwoDead(boolean twin) {
        PurgingClose k = new PurgingClose();
        AtomicLong clock = new AtomicLong();
        List<String> log = new ArrayList<>();
        if (twin) {
            FastPool<Conn> p = new FastPool<>("p", k, 3, 0, 1_000L, clock::get);
            k.purge = p::purgeUnusable;
            Conn a = p.acquire().join();
            Conn b = p.acquire().join();
            p.release(a, true);
            p.release(b, true);
            a.open = false;
            b.open = false;
            log.add("evicted " + p.evictIdle());
            log.add(p.stats().toString());
        } else {
            ConnectionPool<Conn> p = new ConnectionPool<>("p", k, 3, 0, 1_000L, clock::get);
            k.purge = p::purgeUnusable;
            Conn a = p.acquire().join();
            Conn b = p.acquire().join();
            p.release(a, true);
            p.release(b, true);
            a.open = false;
            b.open = false;
            log.add("evicted " + p.evictIdle());
            ConnectionPool.Stats s = p.stats();
            log.add(new PoolStats(s.leased(), s.idle(), s.connecting(), s.pending(), s.max(), s.opened(), s.closed())
                    .toString());
        }
        log.add("closed " + k.fake.closed.get());
        return log;
    }

    @Test
    void evictionCountsWhatACloseListenerPurgesToo() {
        assertEquals(evictTwoDead(false), evictTwoDead(true));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aThreadThatOnlyGivesBackKeepsABoundedStack() throws Exception {
        FakeConnector c = new FakeConnector();
        FastPool<Conn> p = new FastPool<>("p", c, Integer.MAX_VALUE, 10, 1_000_000_000L, () -> 0L);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Conn e = other.submit(() -> p.acquire().join()).get();
            Conn g = other.submit(() -> p.acquire().join()).get();
            Field f = FastPool.class.getDeclaredField("stacks");
            f.setAccessible(true);
            ThreadStack mine = ((ThreadLocal<ThreadStack>) f.get(p)).get();
            Field size = ThreadStack.class.getDeclaredField("size");
            size.setAccessible(true);
            for (int round = 0; round < 12; round++) {
                // this thread gives g back and the other takes it again, until g fills this thread's stack
                while (true) {
                    p.release(g, true);
                    if (size.getInt(mine) == mine.room()) {
                        break;
                    }
                    assertSame(g, other.submit(() -> p.acquire().join()).get());
                }
                p.release(e, true); // makes room while every copy of g is idle
                assertSame(e, other.submit(() -> p.acquire().join()).get());
                assertSame(g, other.submit(() -> p.acquire().join()).get());
            }
            assertTrue(mine.room() <= 2 * ThreadStack.FIRST_CAPACITY, "room " + mine.room() + " for 2 connections");
            p.release(e, true);
            p.release(g, true);
            assertSame(g, p.acquire().join()); // the newest first, as before
            assertSame(e, p.acquire().join());
        } finally {
            other.shutdownNow();
        }
    }
}
