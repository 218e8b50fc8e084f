package dev.fastllm.core.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class ThreadStacksTest {

    /** Runs {@code get()} on a new thread that stays alive until {@code release} opens; returns what it got. */
    private static ThreadStack onLiveThread(ThreadStacks stacks, CountDownLatch release, List<Thread> started)
            throws InterruptedException {
        AtomicReference<ThreadStack> got = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            got.set(stacks.get());
            done.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        started.add(t);
        done.await();
        return got.get();
    }

    @Test
    void aThreadGetsItsOwnStackEveryTime() throws Exception {
        ThreadStacks stacks = new ThreadStacks(8, 4);
        ThreadStack mine = stacks.get();
        assertNotNull(mine);
        assertSame(mine, stacks.get());
        assertEquals(Thread.currentThread().getId(), mine.ownerId);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        ThreadStack other = onLiveThread(stacks, release, threads);
        assertNotSame(mine, other);
        assertSame(mine, stacks.get());
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void aFullNeighbourhoodGivesNoStackUntilAThreadEnds() throws Exception {
        ThreadStacks stacks = new ThreadStacks(3, 4); // 8 slots, every one within the 8 probed
        assertEquals(ThreadStacks.PROBES, stacks.slotCount());
        CountDownLatch keepAlive = new CountDownLatch(1);
        CountDownLatch endFirst = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        ThreadStack first = onLiveThread(stacks, endFirst, threads);
        assertNotNull(first);
        for (int i = 1; i < stacks.slotCount(); i++) {
            assertNotNull(onLiveThread(stacks, keepAlive, threads), "thread " + i);
        }
        assertNull(stacks.get(), "every slot is held by a live thread");
        endFirst.countDown();
        threads.get(0).join();
        ThreadStack mine = stacks.get();
        assertNotNull(mine, "the ended thread's slot is taken over");
        assertNotSame(first, mine);
        assertSame(mine, stacks.get());
        keepAlive.countDown();
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void aPoolServesAThreadThatHasNoStackAsAnyOther() throws Exception {
        FakeConnector connector = new FakeConnector();
        // one stack slot: the first thread to use the pool takes it, every other live thread has none
        FastPool<FakeConnector.Conn> pool = new FastPool<>("p", connector, 2, 1, 1_000_000_000L, () -> 0L,
                Refusals.DEFAULT, 0);
        FakeConnector.Conn a = pool.acquire().join();
        pool.release(a, true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread stackless = new Thread(() -> {
            try {
                FakeConnector.Conn x = pool.acquire().join();
                assertSame(a, x, "the idle connection, found in the pool's table");
                FakeConnector.Conn y = pool.acquire().join();
                assertNotSame(x, y);
                java.util.concurrent.CompletableFuture<FakeConnector.Conn> waiting = pool.acquire();
                assertEquals(false, waiting.isDone(), "two leased: the third waits");
                assertEquals(true, pool.acquire().isCompletedExceptionally(), "queue of one full: refused");
                pool.release(y, true);
                assertSame(y, waiting.join(), "a release serves the waiter");
                pool.release(x, false);
                pool.release(y, true);
                PoolStats s = pool.stats();
                assertEquals(0, s.leased());
                assertEquals(1, s.idle());
                assertEquals(0, s.pending());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        stackless.start();
        stackless.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        FakeConnector.Conn again = pool.acquire().join();
        assertEquals(2, again.id, "the only idle connection left, to the slot's owner");
    }
}
