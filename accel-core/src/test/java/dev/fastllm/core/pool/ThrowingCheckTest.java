package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connector whose usability check throws: on reuse the connection checked is closed (the original drops it
 * from its books unclosed); in eviction and purging it stays idle, as in the original. No slot is lost.
 */
class ThrowingCheckTest {

    /** A FakeConnector whose isUsable throws once each time {@link #fail} is set. */
    static final class Throwing extends FakeConnector.Delegating {
        final AtomicBoolean fail = new AtomicBoolean();

        @Override
        public boolean isUsable(Conn c) {
            if (fail.getAndSet(false)) {
                throw new IllegalStateException("check failed");
            }
            return super.isUsable(c);
        }
    }

    @Test
    void aThrowingCheckOnReuseClosesThatConnectionAndKeepsTheSlot() {
        Throwing connector = new Throwing();
        FastPool<Conn> pool = new FastPool<>("p", connector, 1, 0, 1_000, () -> 0L);
        Conn first = pool.acquire().join();
        pool.release(first, true);
        connector.fail.set(true);
        assertThrows(IllegalStateException.class, pool::acquire);
        assertTrue(first.closedByPool);
        assertEquals(new PoolStats(0, 0, 0, 0, 1, 1, 1), pool.stats());
        Conn second = pool.acquire().join();
        assertNotSame(first, second);
        assertEquals(new PoolStats(1, 0, 0, 0, 1, 2, 1), pool.stats());
    }

    /** As the original: the exception reaches the caller and the connection stays idle, its slot kept. */
    @Test
    void aThrowingCheckInEvictionOrPurgeLeavesThatConnectionIdle() {
        Throwing connector = new Throwing();
        FastPool<Conn> pool = new FastPool<>("p", connector, 2, 0, 1_000, () -> 0L);
        Conn a = pool.acquire().join();
        Conn b = pool.acquire().join();
        pool.release(a, true);
        pool.release(b, true);
        connector.fail.set(true);
        assertThrows(IllegalStateException.class, pool::evictIdle);
        assertEquals(new PoolStats(0, 2, 0, 0, 2, 2, 0), pool.stats());
        connector.fail.set(true);
        assertThrows(IllegalStateException.class, pool::purgeUnusable);
        assertEquals(new PoolStats(0, 2, 0, 0, 2, 2, 0), pool.stats());
        assertTrue(!a.closedByPool && !b.closedByPool);
        assertEquals(b, pool.acquire().join());
        assertEquals(a, pool.acquire().join());
        assertEquals(new PoolStats(2, 0, 0, 0, 2, 2, 0), pool.stats());
    }
}
