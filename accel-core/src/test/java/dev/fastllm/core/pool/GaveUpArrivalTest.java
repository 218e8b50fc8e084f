package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A connection that arrives for a requester that gave up goes back to the pool as a release would: only if
 * it is still usable. One the peer closed before it arrived is closed, never parked idle nor handed to the
 * next waiter (the original sends it through {@code release(connection, true)}, which checks it).
 */
class GaveUpArrivalTest {

    private static List<String> run(PoolDifferentialTest.Pool p, FakeConnector c, boolean withWaiter, boolean open) {
        List<String> log = new ArrayList<>();
        c.mode = FakeConnector.Mode.HOLD;
        CompletableFuture<Conn> first = p.acquire();
        CompletableFuture<Conn> second = withWaiter ? p.acquire() : null;
        first.cancel(false);
        CompletableFuture<Conn> connect = c.held.poll();
        Conn conn = c.newConn();
        conn.open = open;
        connect.complete(conn);
        log.add("after the arrival: " + p.stats());
        if (second != null) {
            log.add("waiter: " + PoolDifferentialTest.outcome(second));
        }
        log.add("connects held: " + c.held.size() + ", closed by the pool: " + c.closed.get());
        return log;
    }

    private static void same(boolean withWaiter, boolean open) {
        AtomicLong clock = new AtomicLong();
        FakeConnector a = new FakeConnector();
        FakeConnector b = new FakeConnector();
        assertEquals(run(PoolDifferentialTest.original(a, 1, 1, clock), a, withWaiter, open),
                run(PoolDifferentialTest.twin(b, 1, 1, clock), b, withWaiter, open));
    }

    @Test
    void deadArrivalIsClosedNotParked() {
        same(false, false);
    }

    @Test
    void deadArrivalIsNotHandedToTheNextWaiter() {
        same(true, false);
    }

    @Test
    void liveArrivalGoesToTheNextWaiter() {
        same(true, true);
    }

    @Test
    void liveArrivalIsParked() {
        same(false, true);
    }
}
