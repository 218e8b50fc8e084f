package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FastPool#releaseIfLeased}: releases only what the pool leased out, and touches nothing otherwise. */
class ReleaseIfLeasedTest {

    @Test
    void releasesItsOwnLeasesAndLeavesOthersAlone() {
        FakeConnector connector = new FakeConnector();
        FastPool<Conn> pool = new FastPool<>("p", connector, 2, 1, 1_000, () -> 0L);
        Conn mine = pool.acquire().join();
        Conn foreign = connector.newConn();
        PoolStats before = pool.stats();

        assertFalse(pool.releaseIfLeased(foreign, true), "a connection it never leased");
        assertEquals(before, pool.stats());
        assertFalse(foreign.closedByPool);

        assertTrue(pool.releaseIfLeased(mine, true));
        assertEquals(new PoolStats(0, 1, 0, 0, 2, 1, 0), pool.stats());
        assertFalse(pool.releaseIfLeased(mine, true), "idle now, not leased: a second release is refused");
        assertEquals(new PoolStats(0, 1, 0, 0, 2, 1, 0), pool.stats());

        CompletableFuture<Conn> again = pool.acquire();
        assertEquals(mine, again.join());
        assertTrue(pool.releaseIfLeased(mine, false), "not reusable: closed");
        assertTrue(mine.closedByPool);
        assertEquals(new PoolStats(0, 0, 0, 0, 2, 1, 1), pool.stats());
    }
}
