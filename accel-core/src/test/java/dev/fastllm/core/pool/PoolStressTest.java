package dev.fastllm.core.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 64 threads against one pool, with exact invariants checked during and after. */
class PoolStressTest {

    private static final int THREADS = 64;

    /** Connects on another thread, refuses some; counts connections alive (opened and not yet closed by the pool). */
    static final class AsyncConnector implements Connector<FakeConnector.Conn> {
        final ExecutorService executor = Executors.newFixedThreadPool(2);
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final AtomicInteger alive = new AtomicInteger();
        final AtomicInteger aliveHighWater = new AtomicInteger();
        final AtomicInteger refusals = new AtomicInteger();

        @Override
        public CompletableFuture<FakeConnector.Conn> connect() {
            if (java.util.concurrent.ThreadLocalRandom.current().nextInt(40) == 0) {
                refusals.incrementAndGet();
                return CompletableFuture.failedFuture(new java.net.ConnectException("refused"));
            }
            if (java.util.concurrent.ThreadLocalRandom.current().nextBoolean()) {
                return CompletableFuture.completedFuture(open());
            }
            return CompletableFuture.supplyAsync(this::open, executor);
        }

        private FakeConnector.Conn open() {
            int n = alive.incrementAndGet();
            aliveHighWater.accumulateAndGet(n, Math::max);
            return new FakeConnector.Conn(created.incrementAndGet());
        }

        @Override
        public boolean isUsable(FakeConnector.Conn c) {
            return c.open;
        }

        @Override
        public void close(FakeConnector.Conn c) {
            if (c.closedByPool) {
                throw new AssertionError("closed twice: " + c);
            }
            c.closedByPool = true;
            c.open = false;
            alive.decrementAndGet();
            closed.incrementAndGet();
        }
    }

    private static void runAll(int threads, Worker body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    body.run(id);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    interface Worker {
        void run(int thread) throws Exception;
    }

    @Test
    void noLeaseLostNoDeadConnectionNeverAboveMax() throws Exception {
        int max = 8;
        AsyncConnector connector = new AsyncConnector();
        FastPool<FakeConnector.Conn> pool = new FastPool<>("stress", connector, max, 100_000,
                TimeUnit.SECONDS.toNanos(60), System::nanoTime);
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger highWater = new AtomicInteger();
        AtomicInteger dead = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        AtomicInteger gaveUp = new AtomicInteger();
        runAll(THREADS, thread -> {
            SplittableRandom rnd = new SplittableRandom(thread);
            for (int i = 0; i < 400; i++) {
                CompletableFuture<FakeConnector.Conn> f = pool.acquire();
                FakeConnector.Conn c;
                try {
                    c = rnd.nextInt(30) == 0 ? f.get(50, TimeUnit.MICROSECONDS) : f.get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    if (f.completeExceptionally(e)) { // give up; a connection arriving later goes back to the pool
                        gaveUp.incrementAndGet();
                        continue;
                    }
                    if (f.isCompletedExceptionally()) {
                        continue; // its connect was refused in the meantime
                    }
                    c = f.join(); // served in the meantime: it is ours to release
                } catch (java.util.concurrent.ExecutionException e) {
                    continue; // a refused connect fails its requester
                }
                int n = inUse.incrementAndGet();
                highWater.accumulateAndGet(n, Math::max);
                if (!c.open) {
                    dead.incrementAndGet();
                }
                served.incrementAndGet();
                if (rnd.nextInt(40) == 0) {
                    c.open = false; // the peer closes it mid-use
                }
                if (rnd.nextInt(200) == 0) {
                    pool.purgeUnusable();
                }
                inUse.decrementAndGet();
                pool.release(c, rnd.nextInt(25) != 0);
            }
        });
        // give up-and-arrive races settle on the connector's thread
        connector.executor.shutdown();
        assertTrue(connector.executor.awaitTermination(10, TimeUnit.SECONDS));
        PoolStats s = pool.stats();
        assertTrue(served.get() > 0);
        assertEquals(0, dead.get(), "a dead connection was handed out");
        assertTrue(highWater.get() <= max, "more than max leased: " + highWater.get());
        assertTrue(connector.aliveHighWater.get() <= max, "more than max open: " + connector.aliveHighWater.get());
        assertEquals(0, s.leased(), "leases lost: " + s);
        assertEquals(0, s.connecting(), s.toString());
        assertEquals(0, s.pending(), s.toString());
        assertTrue(s.idle() <= max, s.toString());
        assertEquals(connector.created.get(), s.idle() + connector.closed.get(), "every connection idle or closed: " + s);
        assertEquals(connector.created.get(), s.opened(), s.toString());
        assertEquals(connector.closed.get(), s.closed(), s.toString());
        pool.close();
        assertEquals(connector.created.get(), connector.closed.get(), "close closes every idle connection");
    }

    /**
     * One connection, 64 threads: whoever holds it is alone, so the order in which holders stamp a counter is
     * the order they were served. A request whose acquire returned (waiting) before another's began must be
     * served first: FIFO, and no newcomer takes the connection from a waiter.
     */
    @Test
    void waitersAreServedInOrder() throws Exception {
        AsyncConnector connector = new AsyncConnector();
        FastPool<FakeConnector.Conn> pool = new FastPool<>("fifo", new Connector<>() {
            public CompletableFuture<FakeConnector.Conn> connect() {
                return CompletableFuture.completedFuture(new FakeConnector.Conn(connector.created.incrementAndGet()));
            }
            public boolean isUsable(FakeConnector.Conn c) { return true; }
            public void close(FakeConnector.Conn c) { }
        }, 1, 100_000, TimeUnit.SECONDS.toNanos(60), System::nanoTime);
        AtomicLong clock = new AtomicLong();
        int perThread = 60;
        long[][] call = new long[THREADS][perThread];
        long[][] ret = new long[THREADS][perThread];
        long[][] served = new long[THREADS][perThread];
        boolean[][] waited = new boolean[THREADS][perThread];
        runAll(THREADS, thread -> {
            for (int i = 0; i < perThread; i++) {
                int k = i;
                call[thread][k] = clock.incrementAndGet();
                CompletableFuture<FakeConnector.Conn> f = pool.acquire();
                boolean done = f.isDone();
                ret[thread][k] = clock.incrementAndGet();
                waited[thread][k] = !done;
                FakeConnector.Conn c = f.get(60, TimeUnit.SECONDS);
                served[thread][k] = clock.incrementAndGet(); // while holding the only connection
                if ((k & 3) == 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000); // hold it: others queue
                }
                pool.release(c, true);
            }
        });
        List<long[]> all = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            for (int i = 0; i < perThread; i++) {
                all.add(new long[]{call[t][i], ret[t][i], served[t][i], waited[t][i] ? 1 : 0});
            }
        }
        all.sort((x, y) -> Long.compare(x[0], y[0]));
        // for each request B, every waiter A that returned before B was called must have been served before B
        long waitersSeen = all.stream().filter(x -> x[3] == 1).count();
        assertTrue(waitersSeen > THREADS, "the test must make requests wait: " + waitersSeen);
        List<long[]> byReturn = new ArrayList<>(all);
        byReturn.sort((x, y) -> Long.compare(x[1], y[1]));
        int j = 0;
        long maxServedOfEarlierWaiters = Long.MIN_VALUE;
        for (long[] b : all) {
            while (j < byReturn.size() && byReturn.get(j)[1] < b[0]) {
                if (byReturn.get(j)[3] == 1) {
                    maxServedOfEarlierWaiters = Math.max(maxServedOfEarlierWaiters, byReturn.get(j)[2]);
                }
                j++;
            }
            assertTrue(maxServedOfEarlierWaiters < b[2], "served out of order");
        }
        assertEquals(1, connector.created.get());
        assertEquals(0, pool.stats().leased());
    }
}
