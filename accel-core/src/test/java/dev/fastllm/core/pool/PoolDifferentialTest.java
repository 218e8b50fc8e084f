package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The twin and the gateway's pool, fed the same seeded random operations in one thread with one controlled
 * clock: every answer, every future's outcome, every stats field, every connection opened and closed must
 * be the same. Connections are compared by their number (each side has its own connector).
 */
class PoolDifferentialTest {

    private static final long IDLE_TIMEOUT = 60_000_000_000L;

    /** One side: a pool, its connector, its outstanding futures and the connections it has handed out. */
    private static final class Side {
        final FakeConnector connector = new FakeConnector();
        final List<CompletableFuture<Conn>> waiting = new ArrayList<>();
        final List<Conn> held = new ArrayList<>();
        final Pool pool;

        Side(PoolFactory factory) {
            this.pool = factory.create(connector);
        }
    }

    interface Pool {
        CompletableFuture<Conn> acquire();

        void release(Conn c, boolean reusable);

        int evictIdle();

        void purgeUnusable();

        String stats();

        void close();
    }

    interface PoolFactory {
        Pool create(FakeConnector connector);
    }

    static Pool original(FakeConnector connector, int max, int pending, AtomicLong clock) {
        ConnectionPool<Conn> p = new ConnectionPool<>("p", connector, max, pending, IDLE_TIMEOUT, clock::get);
        return new Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn c, boolean reusable) { p.release(c, reusable); }
            public int evictIdle() { return p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public String stats() {
                ConnectionPool.Stats s = p.stats();
                return new PoolStats(s.leased(), s.idle(), s.connecting(), s.pending(), s.max(), s.opened(), s.closed())
                        .toString();
            }
            public void close() { p.close(); }
        };
    }

    /** The twin, failing futures with the original's exception types, as a -javaagent twin would. */
    static Pool twin(FakeConnector connector, int max, int pending, AtomicLong clock) {
        Refusals gatewayTypes = new Refusals() {
            public RuntimeException exhausted(String m) { return new ConnectionPool.PoolExhaustedException(m); }
            public RuntimeException closed(String m) { return new ConnectionPool.PoolClosedException(m); }
        };
        FastPool<Conn> p = new FastPool<>("p", connector, max, pending, IDLE_TIMEOUT, clock::get, gatewayTypes);
        return new Pool() {
            public CompletableFuture<Conn> acquire() { return p.acquire(); }
            public void release(Conn c, boolean reusable) {
                if (!p.releaseIfLeased(c, reusable)) {
                    throw new AssertionError("the twin did not know its own lease " + c);
                }
            }
            public int evictIdle() { return p.evictIdle(); }
            public void purgeUnusable() { p.purgeUnusable(); }
            public String stats() { return p.stats().toString(); }
            public void close() { p.close(); }
        };
    }

    @Test
    void sameAnswersAsTheOriginalOnRandomOperations() {
        long base = Long.getLong("pool.seed", System.nanoTime());
        for (int run = 0; run < 300; run++) {
            long seed = base + run;
            try {
                runOnce(seed);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (replay with -Dpool.seed=" + seed + "): " + e.getMessage(), e);
            }
        }
    }

    private static void runOnce(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int max = 1 + rnd.nextInt(5);
        int pending = rnd.nextInt(4);
        AtomicLong clock = new AtomicLong(rnd.nextLong(1L << 40));
        Side a = new Side(c -> original(c, max, pending, clock));
        Side b = new Side(c -> twin(c, max, pending, clock));
        int steps = 40 + rnd.nextInt(160);
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(100);
            String what;
            if (op < 30) {
                what = "acquire";
                CompletableFuture<Conn> fa = a.pool.acquire();
                CompletableFuture<Conn> fb = b.pool.acquire();
                assertEquals(outcome(fa), outcome(fb), what);
                take(a, fa);
                take(b, fb);
            } else if (op < 55 && !a.held.isEmpty()) {
                int i = rnd.nextInt(a.held.size());
                boolean reusable = rnd.nextInt(6) != 0;
                what = "release " + a.held.get(i) + " reusable=" + reusable;
                a.pool.release(a.held.remove(i), reusable);
                b.pool.release(b.held.remove(i), reusable);
            } else if (op < 62) {
                int id = 1 + rnd.nextInt(Math.max(1, a.connector.created.get()));
                what = "peer closes conn" + id;
                peerClose(a, id);
                peerClose(b, id);
            } else if (op < 68 && !a.waiting.isEmpty()) {
                int i = rnd.nextInt(a.waiting.size());
                boolean cancel = rnd.nextBoolean();
                what = (cancel ? "cancel" : "time out") + " waiter " + i;
                giveUp(a.waiting.get(i), cancel);
                giveUp(b.waiting.get(i), cancel);
            } else if (op < 76) {
                FakeConnector.Mode m = FakeConnector.Mode.values()[rnd.nextInt(3)];
                what = "connector " + m;
                a.connector.mode = m;
                b.connector.mode = m;
            } else if (op < 84 && !a.connector.held.isEmpty()) {
                boolean ok = rnd.nextInt(4) != 0;
                what = "held connect finishes ok=" + ok;
                a.connector.finishHeld(ok);
                b.connector.finishHeld(ok);
            } else if (op < 90) {
                long dt = IDLE_TIMEOUT / 4 * rnd.nextInt(5); // whole quarters: ages hit the timeout exactly
                clock.addAndGet(dt);
                what = "evictIdle after " + dt;
                assertEquals(a.pool.evictIdle(), b.pool.evictIdle(), what);
            } else if (op < 95) {
                what = "purgeUnusable";
                a.pool.purgeUnusable();
                b.pool.purgeUnusable();
            } else if (op < 96) {
                what = "close";
                a.pool.close();
                b.pool.close();
            } else {
                what = "tick";
                clock.addAndGet(IDLE_TIMEOUT / 4 * rnd.nextInt(2));
            }
            collect(a);
            collect(b);
            String where = "after step " + step + " (" + what + ")";
            assertEquals(a.pool.stats(), b.pool.stats(), where);
            assertEquals(ids(a.held), ids(b.held), where);
            assertEquals(outcomes(a.waiting), outcomes(b.waiting), where);
            assertEquals(a.connector.created.get(), b.connector.created.get(), where);
            assertEquals(a.connector.held.size(), b.connector.held.size(), where);
            assertEquals(closedIds(a), closedIds(b), where);
        }
    }

    private static void take(Side s, CompletableFuture<Conn> f) {
        s.waiting.add(f);
    }

    /** Moves futures completed with a connection to the held list, and drops failed ones. */
    private static void collect(Side s) {
        for (int i = 0; i < s.waiting.size(); i++) {
            CompletableFuture<Conn> f = s.waiting.get(i);
            if (f.isDone()) {
                s.waiting.remove(i--);
                if (!f.isCompletedExceptionally()) {
                    s.held.add(f.join());
                }
            }
        }
    }

    private static void peerClose(Side s, int id) {
        for (Conn c : s.connector.all) {
            if (c.id == id) {
                c.open = false;
            }
        }
    }

    private static void giveUp(CompletableFuture<Conn> f, boolean cancel) {
        if (cancel) {
            f.cancel(false);
        } else {
            f.completeExceptionally(new TimeoutException());
        }
    }

    static String outcome(CompletableFuture<Conn> f) {
        if (!f.isDone()) {
            return "pending";
        }
        try {
            return "conn" + f.join().id;
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            return c.getClass().getName() + ": " + c.getMessage();
        } catch (java.util.concurrent.CancellationException e) {
            return "cancelled";
        }
    }

    private static List<String> outcomes(List<CompletableFuture<Conn>> fs) {
        List<String> out = new ArrayList<>();
        for (CompletableFuture<Conn> f : fs) {
            out.add(outcome(f));
        }
        return out;
    }

    private static List<Integer> ids(List<Conn> cs) {
        List<Integer> out = new ArrayList<>();
        for (Conn c : cs) {
            out.add(c.id);
        }
        return out;
    }

    private static List<Integer> closedIds(Side s) {
        List<Integer> out = new ArrayList<>();
        for (Conn c : s.connector.all) {
            if (c.closedByPool) {
                out.add(c.id);
            }
        }
        return out;
    }
}
