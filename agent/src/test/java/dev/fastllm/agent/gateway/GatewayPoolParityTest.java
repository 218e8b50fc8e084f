package dev.fastllm.agent.gateway;

import dev.fastllm.agent.gateway.PoolFixture.Conn;
import dev.fastllm.agent.gateway.PoolFixture.Mode;
import dev.fastllm.agent.gateway.PoolFixture.Rewritten;
import dev.fastllm.agent.gateway.PoolFixture.TestConnector;
import dev.fastllm.fallback.BreakerState;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static dev.fastllm.agent.gateway.PoolFixture.describe;
import static dev.fastllm.agent.gateway.PoolFixture.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rewritten pool (a real ConnectionPool with the fast path called as its advice calls it) against the
 * ownership rule written as a model of two real ConnectionPools: new acquires go to the side the point picks
 * for this pool, a lease goes back to the side that granted it, eviction, purge and close act on both, stats
 * add up. Seeded random operations in one thread with a controlled clock, flag flips, injected faults and a
 * breaker that opens: every future's outcome (connection number, or exception type and message), every
 * eviction count and every stats field of each side must equal the model's. So the twin answers as the
 * original would, and no lease ever crosses sides.
 */
class GatewayPoolParityTest {

    private static final long IDLE = 1_000;
    private static final String[] FLAGS = {"on", "off", "canary:0", "canary:100", "canary:50", "canary:30"};

    /** One acquire, seen in both systems. */
    private static final class Lease {
        final CompletableFuture<Conn> rewritten;
        final CompletableFuture<Conn> model;
        final boolean twin;
        boolean taken;

        Lease(CompletableFuture<Conn> rewritten, CompletableFuture<Conn> model, boolean twin) {
            this.rewritten = rewritten;
            this.model = model;
            this.twin = twin;
        }
    }

    /** A connection held by the test, in both systems, with the side that leased it. */
    private record Held(Conn rewritten, Conn model, boolean twin) {
    }

    private static final class Run {
        final SplittableRandom r;
        final Point point = PoolFixture.point();
        final AtomicLong clock = new AtomicLong();
        final String name;
        final Rewritten rw;
        final TestConnector modelConnector = new TestConnector();
        final ConnectionPool<Conn> modelOriginal;
        final ConnectionPool<Conn> modelTwin;
        final List<Lease> leases = new ArrayList<>();
        final List<Held> held = new ArrayList<>();
        final Map<Conn, Boolean> inUse = new IdentityHashMap<>();
        boolean closed;

        Run(long seed) {
            r = new SplittableRandom(seed);
            name = "deployment-" + r.nextInt(10);
            int max = 1 + r.nextInt(4);
            int pending = r.nextInt(4);
            rw = new Rewritten(point, new TestConnector(), name, max, pending, IDLE, clock::get);
            modelOriginal = new ConnectionPool<>(name, modelConnector, max, pending, IDLE, clock::get);
            modelTwin = new ConnectionPool<>(name, modelConnector, max, pending, IDLE, clock::get);
            point.setFlag(Flag.parse(FLAGS[r.nextInt(FLAGS.length)]), "test");
            point.setFaultRate(r.nextInt(3) == 0 ? 0.2 : 0);
        }

        void step() {
            int op = r.nextInt(100);
            if (op < 26) {
                acquire();
            } else if (op < 50) {
                if (!held.isEmpty()) {
                    release(held.remove(r.nextInt(held.size())), r.nextInt(4) != 0);
                }
            } else if (op < 55) {
                int twin = modelTwin.evictIdle();
                assertEquals(modelOriginal.evictIdle() + twin, rw.evictIdle(), "evictIdle");
            } else if (op < 60) {
                rw.purgeUnusable();
                modelTwin.purgeUnusable();
                modelOriginal.purgeUnusable();
            } else if (op < 67) {
                int n = rw.connector.created();
                if (n > 0) {
                    int i = r.nextInt(n);
                    rw.connector.all.get(i).open = false;
                    modelConnector.all.get(i).open = false;
                }
            } else if (op < 75) {
                clock.addAndGet(r.nextLong(IDLE * 2));
            } else if (op < 80) {
                giveUp();
            } else if (op < 85) {
                Mode m = r.nextInt(5) < 3 ? Mode.IMMEDIATE : r.nextBoolean() ? Mode.REFUSE : Mode.HOLD;
                rw.connector.mode = m;
                modelConnector.mode = m;
            } else if (op < 93) {
                boolean ok = r.nextInt(4) != 0;
                rw.connector.completeHeld(ok);
                modelConnector.completeHeld(ok);
            } else if (op < 99) {
                point.setFlag(Flag.parse(FLAGS[r.nextInt(FLAGS.length)]), "test");
            } else if (!closed && r.nextInt(3) == 0) {
                closed = true;
                rw.close();
                modelOriginal.close();
                modelTwin.close();
            }
            collect();
            compare();
        }

        void acquire() {
            long errors = point.errors();
            BreakerState before = point.breaker().state();
            CompletableFuture<Conn> f = rw.acquire();
            boolean twin = rw.lastFast;
            boolean selected = point.selectsKey(name.hashCode());
            if (twin) {
                assertTrue(selected, "the twin answered an acquire the flag does not send to it");
            } else if (selected) {
                assertTrue(point.errors() > errors || before != BreakerState.CLOSED,
                        "the original answered a selected acquire with no fault and a closed breaker");
            }
            leases.add(new Lease(f, (twin ? modelTwin : modelOriginal).acquire(), twin));
        }

        void release(Held h, boolean reusable) {
            inUse.remove(h.rewritten());
            rw.release(h.rewritten(), reusable);
            (h.twin() ? modelTwin : modelOriginal).release(h.model(), reusable);
        }

        void giveUp() {
            List<Lease> waiting = new ArrayList<>();
            for (Lease l : leases) {
                if (!l.rewritten.isDone() && !l.model.isDone()) {
                    waiting.add(l);
                }
            }
            if (!waiting.isEmpty()) {
                Lease l = waiting.get(r.nextInt(waiting.size()));
                l.rewritten.completeExceptionally(new TimeoutException("gave up"));
                l.model.completeExceptionally(new TimeoutException("gave up"));
            }
        }

        /** Takes what completed; each connection handed out must be open, unclosed and not in use already. */
        void collect() {
            for (Lease l : leases) {
                assertEquals(describe(l.model), describe(l.rewritten), "an acquire's outcome");
                if (!l.taken && l.rewritten.isDone() && !l.rewritten.isCompletedExceptionally()) {
                    l.taken = true;
                    Conn c = l.rewritten.join();
                    assertEquals(0, c.closes.get(), "handed out a closed connection");
                    assertTrue(inUse.put(c, Boolean.TRUE) == null, "handed out a connection in use");
                    held.add(new Held(c, l.model.join(), l.twin));
                }
            }
            leases.removeIf(l -> l.taken || l.rewritten.isCompletedExceptionally());
        }

        void compare() {
            ConnectionPool.Stats mo = modelOriginal.stats();
            ConnectionPool.Stats mt = modelTwin.stats();
            assertEquals(mo, rw.originalStats(), "the original's own stats");
            if (rw.hasTwin()) {
                assertEquals(mt, rw.twinStats(), "the twin's stats");
            } else {
                assertEquals(new ConnectionPool.Stats(0, 0, 0, 0, mt.max(), 0, 0), mt, "no twin: nothing on its side");
            }
            assertEquals(sum(mo, mt), rw.stats(), "stats() of the rewritten pool");
            assertEquals(modelConnector.created(), rw.connector.created(), "connections opened");
            assertEquals(modelConnector.totalCloses(), rw.connector.totalCloses(), "connections closed");
        }

        /** Gives everything back until nothing is held or waiting; then both sides must hold no lease. */
        void drain() {
            rw.connector.mode = Mode.IMMEDIATE;
            modelConnector.mode = Mode.IMMEDIATE;
            for (int round = 0; round < 1000 && !(held.isEmpty() && leases.isEmpty()
                    && rw.connector.held.isEmpty()); round++) {
                rw.connector.completeHeld(true);
                modelConnector.completeHeld(true);
                while (!held.isEmpty()) {
                    release(held.remove(0), true);
                }
                collect();
                compare();
            }
            assertTrue(held.isEmpty() && leases.isEmpty(), "leases still out after draining");
            assertEquals(0, rw.originalStats().leased(), "the original holds no lease");
            assertEquals(0, rw.twinStats().leased(), "the twin holds no lease");
            for (ConnectionPool.Stats s : new ConnectionPool.Stats[] {rw.originalStats(), rw.twinStats()}) {
                assertEquals(s.opened() - s.closed(), s.idle(), "every connection opened is idle or closed");
            }
            for (Conn c : rw.connector.all) {
                assertTrue(c.closes.get() <= 1, c + " closed twice");
            }
        }
    }

    @Test
    void theRewrittenPoolFollowsTheOwnershipModelExactly() {
        long base = Long.getLong("pool.seed", System.nanoTime());
        int twins = 0;
        for (int i = 0; i < 400; i++) {
            long seed = base + i;
            Run run = new Run(seed);
            try {
                for (int s = 0; s < 150; s++) {
                    run.step();
                }
                run.drain();
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (replay with -Dpool.seed=" + seed + "): " + e.getMessage(), e);
            }
            twins += run.rw.hasTwin() ? 1 : 0;
        }
        assertTrue(twins > 100, "runs that used the twin: " + twins);
    }
}
