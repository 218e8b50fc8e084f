package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool's limit sizes nothing up front: each thread's stack of released connections starts small and grows
 * with what the thread parks, so a limit of {@code Integer.MAX_VALUE} (the gateway accepts it) works and
 * costs a thread what it uses; and the order of reuse stays the original's when a thread parks more
 * connections than the stack first holds.
 */
class LargeLimitTest {

    @Test
    void theLargestLimitWorks() {
        FakeConnector c = new FakeConnector();
        FastPool<Conn> p = new FastPool<>("p", c, Integer.MAX_VALUE, 10, 1_000_000_000L, () -> 0L);
        Conn a = p.acquire().join();
        p.release(a, true);
        assertEquals(a, p.acquire().join());
        assertEquals(new PoolStats(1, 0, 0, 0, Integer.MAX_VALUE, 1, 0), p.stats());
        assertTrue(new ThreadStack(Integer.MAX_VALUE).room() <= ThreadStack.FIRST_CAPACITY);
    }

    @Test
    void reuseOrderPastTheFirstRoomIsTheOriginals() {
        int n = 5 * ThreadStack.FIRST_CAPACITY + 3;
        FakeConnector ca = new FakeConnector();
        FakeConnector cb = new FakeConnector();
        ConnectionPool<Conn> original = new ConnectionPool<>("p", ca, n, 0, 1_000_000_000L, () -> 0L);
        FastPool<Conn> twin = new FastPool<>("p", cb, n, 0, 1_000_000_000L, () -> 0L);
        List<Conn> heldA = new ArrayList<>();
        List<Conn> heldB = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            heldA.add(original.acquire().join());
            heldB.add(twin.acquire().join());
        }
        // give back in a scrambled order, some dead by the time they are reused
        for (int k = 0; k < n; k++) {
            int i = (k * 7) % n;
            original.release(heldA.get(i), true);
            twin.release(heldB.get(i), true);
            if (k % 5 == 0) {
                heldA.get(i).open = false;
                heldB.get(i).open = false;
            }
        }
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            a.add(PoolDifferentialTest.outcome(original.acquire()));
            b.add(PoolDifferentialTest.outcome(twin.acquire()));
        }
        assertEquals(a, b);
        ConnectionPool.Stats s = original.stats();
        assertEquals(new PoolStats(s.leased(), s.idle(), s.connecting(), s.pending(), s.max(), s.opened(), s.closed()),
                twin.stats());
    }
}
