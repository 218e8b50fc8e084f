package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A maintenance pass as a whole: the original takes what it evicts off its books under its lock and closes
 * it after; the twin must answer alike while the pass is closing, and count alike when a close calls back
 * into the pool. And a thread that only gives back connections other threads take keeps a bounded stack.
 */
class MaintenancePassTest {

    /** Holds "maint" in its close. */
    static final class HeldClose extends MaintenanceRaceTest.Held {
        @Override
        public void close(Conn c) {
            pause();
            super.close(c);
        }
    }

    /** A dead idle connection; "maint" evicts or purges it and is held in its close; another thread acquires. */
    private static String closing(HeldClose s, MaintenanceRaceTest.Pool p, boolean evict) throws Exception {
        Conn c = p.acquire().join();
        p.release(c);
        c.open = false;
        return MaintenanceRaceTest.acquireDuringPass(s, p, evict);
    }

    @Test
    void anAcquireWhileEvictionClosesIsNotRefused() throws Exception {
        HeldClose a = new HeldClose();
        HeldClose b = new HeldClose();
        assertEquals(closing(a, MaintenanceRaceTest.original(a, 1, 0), true), closing(b, MaintenanceRaceTest.twin(b, 1, 0), true));
    }

    @Test
    void anAcquireWhilePurgingClosesIsNotRefused() throws Exception {
        HeldClose a = new HeldClose();
        HeldClose b = new HeldClose();
        assertEquals(closing(a, MaintenanceRaceTest.original(a, 1, 0), false), closing(b, MaintenanceRaceTest.twin(b, 1, 0), false));
    }

    /** A connector whose close runs the pool's purge, as the gateway's close listener does. */
    static final class PurgingClose extends FakeConnector.Delegating {
        Runnable purge = () -> { };

        @Override
        public void close(Conn c) {
            super.close(c);
            purge.run();
        }
    }

    private static List<String> evictTwoDead(boolean twin) {
        PurgingClose k = new PurgingClose();
        MaintenanceRaceTest.Pool p = twin ? MaintenanceRaceTest.twin(k, 3, 0) : MaintenanceRaceTest.original(k, 3, 0);
        k.purge = p::purgeUnusable;
        Conn a = p.acquire().join();
        Conn b = p.acquire().join();
        p.release(a);
        p.release(b);
        a.open = false;
        b.open = false;
        return List.of("evicted " + p.evictIdle(), p.stats().toString(), "closed " + k.fake.closed.get());
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
