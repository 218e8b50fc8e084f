package dev.fastllm.bench.pool;

import com.zaxxer.hikari.util.ConcurrentBag;
import dev.fastllm.core.pool.Connector;
import dev.fastllm.core.pool.FastPool;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/** The pools measured side by side, behind one small interface: acquire (waiting if need be), release. */
final class Pools {

    private Pools() {
    }

    /** A connection: open until closed, checked on every reuse as a channel's {@code isActive()} would be. */
    static final class Conn {
        volatile boolean open = true;
    }

    interface LeasePool {
        Object acquire() throws Exception;

        void release(Object connection) throws Exception;

        void close() throws Exception;
    }

    static LeasePool create(String kind, int connections) throws Exception {
        switch (kind) {
            case "original":
                return original(connections);
            case "twin":
                return twin(connections);
            case "hikari-bag":
                return hikariBag(connections);
            case "commons-pool2":
                return commonsPool(connections);
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static final class GatewayConnector implements ConnectionPool.Connector<Conn>, Connector<Conn> {
        @Override
        public CompletableFuture<Conn> connect() {
            return CompletableFuture.completedFuture(new Conn());
        }

        @Override
        public boolean isUsable(Conn c) {
            return c.open;
        }

        @Override
        public void close(Conn c) {
            c.open = false;
        }
    }

    private static final long IDLE = TimeUnit.SECONDS.toNanos(60);

    private static LeasePool original(int connections) {
        ConnectionPool<Conn> pool = new ConnectionPool<>("bench", new GatewayConnector(), connections, 10_000,
                IDLE, System::nanoTime);
        return new LeasePool() {
            public Object acquire() {
                return pool.acquire().join();
            }

            public void release(Object c) {
                pool.release((Conn) c, true);
            }

            public void close() {
                pool.close();
            }
        };
    }

    private static LeasePool twin(int connections) {
        FastPool<Conn> pool = new FastPool<>("bench", new GatewayConnector(), connections, 10_000, IDLE,
                System::nanoTime);
        return new LeasePool() {
            public Object acquire() {
                return pool.acquire().join();
            }

            public void release(Object c) {
                pool.release((Conn) c, true);
            }

            public void close() {
                pool.close();
            }
        };
    }

    /** HikariCP's bag entry: a connection and its CAS state. */
    static final class BagEntry implements ConcurrentBag.IConcurrentBagEntry {
        private static final AtomicIntegerFieldUpdater<BagEntry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(BagEntry.class, "state");
        final Conn connection = new Conn();
        volatile int state;

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            STATE.set(this, update);
        }

        @Override
        public int getState() {
            return state;
        }
    }

    /** HikariCP's ConcurrentBag with a fixed set of entries (it does not open connections itself). */
    private static LeasePool hikariBag(int connections) {
        ConcurrentBag<BagEntry> bag = new ConcurrentBag<>(waiting -> { });
        for (int i = 0; i < connections; i++) {
            bag.add(new BagEntry());
        }
        return new LeasePool() {
            public Object acquire() throws InterruptedException {
                BagEntry e = bag.borrow(30, TimeUnit.SECONDS);
                if (e == null) {
                    throw new IllegalStateException("timed out");
                }
                return e;
            }

            @SuppressWarnings("unchecked")
            public void release(Object e) {
                bag.requite((BagEntry) e);
            }

            public void close() throws Exception {
                bag.close();
            }
        };
    }

    /** commons-pool2's GenericObjectPool, LIFO, blocking when exhausted, opening on demand like the original. */
    private static LeasePool commonsPool(int connections) {
        GenericObjectPoolConfig<Conn> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(connections);
        config.setMaxIdle(connections);
        config.setBlockWhenExhausted(true);
        config.setJmxEnabled(false);
        GenericObjectPool<Conn> pool = new GenericObjectPool<>(new BasePooledObjectFactory<>() {
            @Override
            public Conn create() {
                return new Conn();
            }

            @Override
            public PooledObject<Conn> wrap(Conn c) {
                return new DefaultPooledObject<>(c);
            }
        }, config);
        return new LeasePool() {
            public Object acquire() throws Exception {
                return pool.borrowObject();
            }

            public void release(Object c) {
                pool.returnObject((Conn) c);
            }

            public void close() {
                pool.close();
            }
        };
    }
}
