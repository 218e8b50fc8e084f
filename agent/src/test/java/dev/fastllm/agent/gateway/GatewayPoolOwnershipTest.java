package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import dev.fastllm.agent.gateway.PoolFixture.Conn;
import dev.fastllm.agent.gateway.PoolFixture.Mode;
import dev.fastllm.agent.gateway.PoolFixture.Rewritten;
import dev.fastllm.agent.gateway.PoolFixture.TestConnector;
import dev.fastllm.fallback.BreakerState;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.fastllm.agent.gateway.PoolFixture.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a flag change, a breaker opening, a close, a fast-path Throwable and calls already inside the original
 * do to one pool's state, scenario by scenario with exact counts (the random model test covers the mix).
 */
class GatewayPoolOwnershipTest {

    private static final String CLOSED = "failed " + ConnectionPool.PoolClosedException.class.getName()
            + ": pool p is closed";

    private final Point point = PoolFixture.point();
    private final AtomicLong clock = new AtomicLong();

    private Rewritten pool(int max, int pending) {
        return new Rewritten(point, new TestConnector(), "p", max, pending, 1_000, clock::get);
    }

    private static ConnectionPool.Stats stats(int leased, int idle, int pending, int max, long opened, long closed) {
        return new ConnectionPool.Stats(leased, idle, 0, pending, max, opened, closed);
    }

    @Test
    void offFromTheStartMakesNoTwin() {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(2, 1);
        Conn c = rw.acquire().join();
        rw.release(c, true);
        rw.evictIdle();
        rw.purgeUnusable();
        assertEquals(stats(0, 1, 0, 2, 1, 0), rw.stats());
        assertFalse(rw.hasTwin());
        assertEquals(0, point.calls(Path.FAST));
    }

    @Test
    void aLeaseGoesBackToTheSideThatGrantedItWhateverTheFlagSaysThen() {
        Rewritten rw = pool(2, 0);
        Conn fromTwin = rw.acquire().join();
        assertTrue(rw.lastFast);
        point.setFlag(Flag.OFF, "test");
        Conn fromOriginal = rw.acquire().join();
        assertFalse(rw.lastFast);
        rw.release(fromTwin, true);
        assertEquals(stats(0, 1, 0, 2, 1, 0), rw.twinStats(), "the twin took its lease back with the flag off");
        rw.release(fromOriginal, true);
        assertEquals(stats(0, 1, 0, 2, 1, 0), rw.originalStats());
        assertEquals(stats(0, 2, 0, 2, 2, 0), rw.stats(), "stats add both sides, the limit once");
        point.setFlag(Flag.ON, "test");
        assertSame(fromTwin, rw.acquire().join(), "the twin's idle connection stayed on its side");
        point.setFlag(Flag.OFF, "test");
        assertSame(fromOriginal, rw.acquire().join(), "so did the original's");
    }

    @Test
    void waitersAreServedByTheSideTheyQueuedOn() {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(1, 1);
        Conn a = rw.acquire().join();
        CompletableFuture<Conn> waitsOnOriginal = rw.acquire();
        point.setFlag(Flag.ON, "test");
        Conn b = rw.acquire().join();
        CompletableFuture<Conn> waitsOnTwin = rw.acquire();
        assertEquals(stats(2, 0, 2, 1, 2, 0), rw.stats(), "around a flip each side has its own limit");
        rw.release(b, true);
        assertSame(b, waitsOnTwin.join());
        assertFalse(waitsOnOriginal.isDone());
        rw.release(a, true);
        assertSame(a, waitsOnOriginal.join());
        rw.release(a, true);
        rw.release(b, true);
        assertEquals(stats(0, 1, 0, 1, 1, 0), rw.originalStats());
        assertEquals(stats(0, 1, 0, 1, 1, 0), rw.twinStats());
    }

    @Test
    void anOpenBreakerSendsAcquiresToTheOriginalAndTheTwinStillTakesItsLeasesBack() {
        Rewritten rw = pool(20, 0);
        Conn t = rw.acquire().join();
        point.setFaultRate(1);
        List<Conn> fromOriginal = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fromOriginal.add(rw.acquire().join());
            assertFalse(rw.lastFast);
        }
        assertEquals(BreakerState.OPEN, point.breaker().state());
        assertEquals(10, point.calls(Path.FALLBACK));
        point.setFaultRate(0);
        fromOriginal.add(rw.acquire().join());
        assertFalse(rw.lastFast, "breaker open: the original answers");
        rw.release(t, true);
        for (Conn c : fromOriginal) {
            rw.release(c, true);
        }
        assertEquals(stats(0, 1, 0, 20, 1, 0), rw.twinStats());
        assertEquals(stats(0, 11, 0, 20, 11, 0), rw.originalStats());
    }

    @Test
    void closeClosesBothSidesAndFailsTheirWaitersWithTheGatewaysOwnException() {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(1, 1);
        Conn a = rw.acquire().join();
        CompletableFuture<Conn> waitsOnOriginal = rw.acquire();
        point.setFlag(Flag.ON, "test");
        Conn b = rw.acquire().join();
        CompletableFuture<Conn> waitsOnTwin = rw.acquire();
        rw.close();
        assertEquals(CLOSED, describe(waitsOnOriginal));
        assertEquals(CLOSED, describe(waitsOnTwin));
        assertEquals(CLOSED, describe(rw.acquire()));
        point.setFlag(Flag.OFF, "test");
        assertEquals(CLOSED, describe(rw.acquire()));
        rw.release(a, true);
        rw.release(b, true);
        assertEquals(1, a.closes.get());
        assertEquals(1, b.closes.get());
        assertEquals(stats(0, 0, 0, 1, 2, 2), rw.stats());
    }

    @Test
    void aTwinFirstMadeAfterTheOriginalClosedIsClosed() {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(1, 1);
        rw.close();
        point.setFlag(Flag.ON, "test");
        assertEquals(CLOSED, describe(rw.acquire()));
        assertTrue(rw.lastFast && rw.hasTwin());
    }

    /** Bound: an injected fault comes before the twin is touched, so the original answers and the twin is unchanged. */
    @Test
    void anInjectedFaultLeavesTheTwinUnchanged() {
        Rewritten rw = pool(2, 0);
        Conn t = rw.acquire().join();
        rw.release(t, true);
        point.setFaultRate(1);
        Conn o = rw.acquire().join();
        assertFalse(rw.lastFast);
        assertNotSame(t, o, "the original opened its own; the twin's idle one stays idle");
        assertEquals(stats(0, 1, 0, 2, 1, 0), rw.twinStats());
        assertEquals(stats(1, 0, 0, 2, 1, 0), rw.originalStats());
    }

    /**
     * Bound: a Throwable inside the twin's acquire (here the pool's own connector's check) closes the connection
     * it was checking (accel-core never strands a claimed entry) and the original answers that call.
     */
    @Test
    void aThrowableInsideTheTwinClosesTheConnectionCheckedAndTheOriginalAnswers() {
        Rewritten rw = pool(2, 0);
        Conn t = rw.acquire().join();
        rw.release(t, true);
        rw.connector.failNextCheck.set(true);
        Conn o = rw.acquire().join();
        assertFalse(rw.lastFast);
        assertEquals(1, point.errors());
        assertEquals(1, t.closes.get());
        assertEquals(stats(0, 0, 0, 2, 1, 1), rw.twinStats());
        assertEquals(stats(1, 0, 0, 2, 1, 0), rw.originalStats());
        rw.release(o, true);
        assertEquals(stats(0, 1, 0, 2, 2, 1), rw.stats());
    }

    /**
     * Bound: calls inside the original when the twin is first made (connects in flight, waiters queued) finish
     * on the original: the arriving connection serves the original's waiter and goes back to the original.
     */
    @Test
    void callsInsideTheOriginalWhenTheTwinIsMadeFinishThere() {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(1, 1);
        rw.connector.mode = Mode.HOLD;
        CompletableFuture<Conn> connecting = rw.acquire();
        CompletableFuture<Conn> waiting = rw.acquire();
        point.setFlag(Flag.ON, "test");
        rw.connector.mode = Mode.IMMEDIATE;
        Conn t = rw.acquire().join();
        assertTrue(rw.lastFast && rw.hasTwin());
        rw.connector.completeHeld(true);
        Conn o = connecting.join();
        rw.release(o, true);
        assertSame(o, waiting.join());
        rw.release(o, true);
        rw.release(t, true);
        assertEquals(stats(0, 1, 0, 1, 1, 0), rw.originalStats());
        assertEquals(stats(0, 1, 0, 1, 1, 0), rw.twinStats());
    }

    /**
     * The same under threads: eight threads acquire and release while the flag flips between on, off and a
     * canary; at the end every lease is back with the side that granted it and the books balance on both.
     */
    @Test
    void concurrentCallsAcrossFlagFlipsLoseNothing() throws Exception {
        point.setFlag(Flag.OFF, "test");
        Rewritten rw = pool(4, 64);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(8);
        for (int i = 0; i < 8; i++) {
            new Thread(() -> {
                try {
                    for (int n = 0; n < 3_000; n++) {
                        Conn c = rw.acquire().get(10, TimeUnit.SECONDS);
                        assertEquals(0, c.closes.get());
                        rw.release(c, ThreadLocalRandom.current().nextInt(10) != 0);
                    }
                } catch (Throwable t) {
                    errors.add(t);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        String[] flags = {"on", "off", "canary:50", "on", "canary:0"};
        for (int i = 0; done.getCount() > 0 && i < 10_000; i++) {
            point.setFlag(Flag.parse(flags[i % flags.length]), "test");
            Thread.sleep(2);
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        assertTrue(errors.isEmpty(), () -> errors.peek().toString());
        assertTrue(rw.hasTwin());
        for (ConnectionPool.Stats s : new ConnectionPool.Stats[] {rw.originalStats(), rw.twinStats()}) {
            assertEquals(0, s.leased());
            assertEquals(0, s.pending());
            assertEquals(s.opened() - s.closed(), s.idle());
            assertTrue(s.idle() <= 4);
        }
        for (Conn c : rw.connector.all) {
            assertTrue(c.closes.get() <= 1);
        }
    }

    @Test
    void theConnectorIsCalledThroughAClassGeneratedNextToThePoolOrThroughMethodHandles() throws Exception {
        Rewritten rw = pool(1, 0);
        Class<?> generated = GatewayPoolTwins.of(rw.pool).calls().getClass();
        assertEquals(ConnectionPool.class.getName() + "$FastLlmConnectorCalls", generated.getName());
        assertSame(ConnectionPool.class.getClassLoader(), generated.getClassLoader());
        for (ConnectionPoolBridge.ConnectorCalls calls : List.of(GatewayPoolTwins.of(rw.pool).calls(),
                new GatewayPoolTwins.HandleCalls(ConnectionPool.Connector.class))) {
            Conn c = (Conn) calls.connect(rw.connector).join();
            assertTrue(calls.isUsable(rw.connector, c));
            calls.close(rw.connector, c);
            assertEquals(1, c.closes.get());
            assertFalse(calls.isUsable(rw.connector, c));
        }
    }
}
