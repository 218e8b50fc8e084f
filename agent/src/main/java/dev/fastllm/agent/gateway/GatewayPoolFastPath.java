package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import dev.fastllm.agent.twin.TwinTable;
import dev.fastllm.core.pool.FastPool;
import dev.fastllm.core.pool.PoolStats;
import dev.fastllm.fallback.Point;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The fast path of {@code gateway.connection-pool}: each demo-gateway {@code ConnectionPool} instance gets an
 * accel-core {@link FastPool} twin ({@link GatewayPoolTwins}), made on the pool's first fast acquire and
 * found through a {@link TwinTable}.
 *
 * <p>Who serves what (the ownership rule; docs/ARCHITECTURE.md has the consequences):
 * <ul>
 * <li>{@code acquire}: where the point decides, keyed by the pool's name, so at a given flag every acquire
 * of one pool goes to one side and a pool's connections, limit and wait queue are never split in steady
 * state. A fast acquire that throws (an injected fault; the connector) is answered by the original.</li>
 * <li>{@code release}: to the side that leased the connection, whatever the flag says now: the twin if it
 * has it leased out, else the original. Never to the other side, so never after a fault either.</li>
 * <li>{@code evictIdle}, {@code purgeUnusable}, {@code close}: both sides (each keeps its idle connections
 * and its waiters until then); {@code stats}: the two sides' counts added, the limit once.</li>
 * </ul>
 * Only acquires consult the point; the other calls follow ownership and always run. Fast calls counted:
 * acquires the twin answered and releases it took back.
 */
final class GatewayPoolFastPath implements ConnectionPoolBridge.Handle {

    private final Point point;
    private final TwinTable<FastPool<Object>> twins = new TwinTable<>();
    private final ThreadLocal<long[]> statsHolder = ThreadLocal.withInitial(() -> new long[6]);

    GatewayPoolFastPath(Point point) {
        this.point = point;
    }

    /**
     * The point is off and no pool has ever had a twin: every lease, idle connection and waiter is the
     * original's, so the original answers every call alone. Once any twin exists this stays false, and
     * releases and maintenance calls look for their pool's twin whatever the flag. A twin made while a
     * {@code close()} runs is seen by its exit: the twin is registered holding the pool's lock ({@link #twinOf}).
     */
    @Override
    public boolean originalOnly() {
        return point.isOff() && !twins.everRegistered();
    }

    @Override
    public Object acquire(Object pool, String name) {
        int d = point.decide(name == null ? 0 : name.hashCode());
        if (!Point.isFast(d)) {
            return null;
        }
        long t0 = point.startTime(d);
        try {
            point.injectFault();
            FastPool<Object> twin = twins.get(pool);
            Object lease = (twin != null ? twin : twinOf(pool)).acquire();
            point.fastAnswered(d, t0);
            return lease;
        } catch (Throwable t) {
            point.fastFailed(d, t);
            return null;
        }
    }

    @Override
    public boolean release(Object pool, Object connection, boolean reusable) {
        FastPool<Object> twin = twins.get(pool);
        if (twin == null || !twin.releaseIfLeased(connection, reusable)) {
            return false;
        }
        point.fastAnswered(Point.FAST, 0L);
        return true;
    }

    @Override
    public int evictIdle(Object pool) {
        FastPool<Object> twin = twins.get(pool);
        return twin == null ? 0 : twin.evictIdle();
    }

    @Override
    public void purgeUnusable(Object pool) {
        FastPool<Object> twin = twins.get(pool);
        if (twin != null) {
            twin.purgeUnusable();
        }
    }

    @Override
    public long[] stats(Object pool, int leased, int idle, int connecting, int pending, long opened, long closed) {
        FastPool<Object> twin = twins.get(pool);
        if (twin == null) {
            return null;
        }
        PoolStats s = twin.stats();
        long[] sum = statsHolder.get();
        sum[0] = (long) leased + s.leased();
        sum[1] = (long) idle + s.idle();
        sum[2] = (long) connecting + s.connecting();
        sum[3] = (long) pending + s.pending();
        sum[4] = opened + s.opened();
        sum[5] = closed + s.closed();
        return sum;
    }

    @Override
    public void closed(Object pool) {
        FastPool<Object> twin = twins.get(pool);
        if (twin != null) {
            twin.close();
        }
    }

    /** The twin of {@code pool}, or null if it has none yet (for tests and reports). */
    FastPool<Object> twinIfAny(Object pool) {
        return twins.get(pool);
    }

    /**
     * Makes {@code pool}'s twin, holding the original's lock, so that a {@code close()} of the original either
     * comes after (and its exit finds the twin and closes it) or before (and the new twin is closed at once).
     */
    private FastPool<Object> twinOf(Object pool) {
        GatewayPoolTwins factory = GatewayPoolTwins.of(pool);
        ReentrantLock lock = factory.lock(pool);
        lock.lock();
        try {
            FastPool<Object> twin = twins.computeIfAbsent(pool, factory::newTwin);
            if (factory.isClosed(pool)) {
                twin.close();
            }
            return twin;
        } finally {
            lock.unlock();
        }
    }
}
