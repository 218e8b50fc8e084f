package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An acquire that comes while {@code evictIdle} or {@code purgeUnusable} is checking the only idle
 * connection. The original holds its lock through the check, so the acquire waits and then gets that
 * connection; the twin holds the entry reserved for the check, and its acquire must wait for it too rather
 * than open another connection or be refused. And a check whose {@code isUsable} throws leaves the
 * connection idle, as the original does, with the request that waited served.
 */
class MaintenanceRaceTest {

    /** A connector that holds the thread named "maint" in one of its callbacks until the test lets it go. */
    static class Held extends FakeConnector.Delegating {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);

        /** On "maint": says it got here, then waits for the test. */
        void pause() {
            if (Thread.currentThread().getName().equals("maint")) {
                reached.countDown();
                try {
                    assertTrue(go.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Holds "maint" in its check, then answers or throws. */
    static final class HeldCheck extends Held {
        final boolean throwing;

        HeldCheck(boolean throwing) {
            this.throwing = throwing;
        }

        @Override
        public boolean isUsable(Conn c) {
            pause();
            if (throwing && Thread.currentThread().getName().equals("maint")) {
                throw new IllegalStateException("check failed");
            }
            return super.isUsable(c);
        }
    }

    interface Pool {
        CompletableFuture<Conn> acquire();

        void release(Conn c);

        int evictIdle();

        void purgeUnusable();

        PoolStats stats();
    }

    static Pool original(FakeConnector.Delegating s, int max, int pending) {
        ConnectionPool<Conn> p = new ConnectionPool<>("p", s, max, pending, 1_000_000_000L, () -> 0L);
        return new Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn c) { p.release(c, true); }
            public int evictIdle() { return p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public PoolStats stats() {
                ConnectionPool.Stats x = p.stats();
                return new PoolStats(x.leased(), x.idle(), x.connecting(), x.pending(), x.max(), x.opened(), x.closed());
            }
        };
    }

    static Pool twin(FakeConnector.Delegating s, int max, int pending) {
        FastPool<Conn> p = new FastPool<>("p", s, max, pending, 1_000_000_000L, () -> 0L);
        return new Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn c) { p.release(c, true); }
            public int evictIdle() { return p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public PoolStats stats() { return p.stats(); }
        };
    }

    /**
     * One idle connection; "maint" checks it and is held there; another thread acquires; the check is let go.
     * Answers what the acquire got and the stats after.
     */
    static String scenario(HeldCheck s, Pool p, boolean evict) throws Exception {
        Conn c = p.acquire().join();
        p.release(c);
        return acquireDuringPass(s, p, evict);
    }

    /**
     * Runs a pass on "maint" ({@code evict}: {@code evictIdle}, else {@code purgeUnusable}) until {@code s} holds
     * it; acquires on another thread, which the original lets wait for its lock; lets the pass go. Answers
     * what the acquire got and the stats after.
     */
    static String acquireDuringPass(Held s, Pool p, boolean evict) throws Exception {
        Thread maint = new Thread(() -> {
            try {
                if (evict) {
                    p.evictIdle();
                } else {
                    p.purgeUnusable();
                }
            } catch (IllegalStateException thrown) {
                // the connector's exception reaches the caller, on both sides
            }
        }, "maint");
        maint.start();
        assertTrue(s.reached.await(10, TimeUnit.SECONDS));
        AtomicReference<CompletableFuture<Conn>> got = new AtomicReference<>();
        Thread requester = new Thread(() -> got.set(p.acquire()), "requester");
        requester.start();
        requester.join(200);
        s.go.countDown();
        requester.join(10_000);
        maint.join(10_000);
        CompletableFuture<Conn> f = got.get();
        try {
            f.get(2, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the outcome below says what happened
        }
        return "acquire -> " + PoolDifferentialTest.outcome(f) + "; " + p.stats();
    }

    private static void same(int max, int pending, boolean evict, boolean throwing) throws Exception {
        HeldCheck a = new HeldCheck(throwing);
        HeldCheck b = new HeldCheck(throwing);
        String original = scenario(a, original(a, max, pending), evict);
        String twin = scenario(b, twin(b, max, pending), evict);
        assertEquals(original, twin, (evict ? "evictIdle" : "purgeUnusable") + " max=" + max + " pending=" + pending
                + (throwing ? ", check throws" : ""));
    }

    @Test
    void purgeWithNoRoomAndNoQueue() throws Exception {
        same(1, 0, false, false); // the twin was refused here
    }

    @Test
    void purgeWithRoomToOpen() throws Exception {
        same(2, 0, false, false); // the twin opened a second connection here
    }

    @Test
    void evictWithNoRoomAndNoQueue() throws Exception {
        same(1, 0, true, false);
    }

    @Test
    void evictWithRoomAndAQueue() throws Exception {
        same(2, 5, true, false);
    }

    @Test
    void purgeWithAQueue() throws Exception {
        same(1, 5, false, false);
    }

    @Test
    void throwingPurgeLeavesTheConnectionIdleAndServesTheRequest() throws Exception {
        same(1, 5, false, true); // the twin closed it and left the request waiting beside a free slot
    }

    @Test
    void throwingEvictLeavesTheConnectionIdleAndServesTheRequest() throws Exception {
        same(1, 5, true, true);
    }

    /**
     * A connector that acquires from the pool inside a maintenance check (nothing should, but the pool must not
     * hang on it): the acquire must not wait for the entry its own thread holds for the check.
     */
    @Test
    void anAcquireCalledBackFromACheckDoesNotWaitForItself() {
        AtomicReference<FastPool<Conn>> pool = new AtomicReference<>();
        AtomicReference<String> inner = new AtomicReference<>();
        Connector<Conn> connector = new FakeConnector.Delegating() {
            @Override
            public boolean isUsable(Conn c) {
                if (inner.get() == null) {
                    inner.set(PoolDifferentialTest.outcome(pool.get().acquire()));
                }
                return super.isUsable(c);
            }
        };
        FastPool<Conn> p = new FastPool<>("p", connector, 1, 0, 1_000_000_000L, () -> 0L);
        pool.set(p);
        Conn c = p.acquire().join();
        inner.set("not yet");
        p.release(c, true); // the release's own check: no acquire from it
        inner.set(null);
        assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), p::purgeUnusable);
        assertTrue(inner.get().contains("PoolExhaustedException"), inner.get()); // one slot, held for the check
        assertEquals(new PoolStats(0, 1, 0, 0, 1, 1, 0), p.stats());
    }
}
