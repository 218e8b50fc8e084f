package dev.fastllm.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The FIFO queue of requests waiting for a connection, with its length in one word so that the pool's hot
 * path can tell "nobody waits" from one read of a line that only changes when requests start or stop
 * waiting. The length counts requests that gave up until they are polled or purged, as the gateway pool's
 * queue does: the pending limit is checked against that count, and those that gave up are purged only when
 * it is reached.
 */
final class Waiters<C> {
    private static final VarHandle QUEUED;

    static {
        try {
            QUEUED = MethodHandles.lookup().findVarHandle(Waiters.class, "queued", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentLinkedQueue<CompletableFuture<C>> queue = new ConcurrentLinkedQueue<>();
    /** Places taken in the queue: entries in it, plus those about to be added. */
    private volatile int queued;

    /** True when no request waits or is about to. */
    boolean quiet() {
        return queued == 0;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * Takes a place for a new waiter, unless {@code limit} places are taken by requests still waiting
     * (those that gave up are purged first). Follow a true answer with {@link #add}.
     */
    boolean reserve(int limit) {
        for (;;) {
            int q = queued;
            if (q >= limit) {
                if (purgeDone() == 0 && queued >= limit) {
                    return false;
                }
            } else if (QUEUED.compareAndSet(this, q, q + 1)) {
                return true;
            }
        }
    }

    void add(CompletableFuture<C> waiter) {
        queue.add(waiter);
    }

    /** The longest-waiting request that has not given up, removed from the queue; null if none. */
    CompletableFuture<C> pollLive() {
        CompletableFuture<C> w;
        while ((w = queue.poll()) != null) {
            QUEUED.getAndAdd(this, -1);
            if (!w.isDone()) {
                return w;
            }
        }
        return null;
    }

    /** Requests waiting that have not given up. */
    int live() {
        int n = 0;
        for (CompletableFuture<C> w : queue) {
            if (!w.isDone()) {
                n++;
            }
        }
        return n;
    }

    /** Fails every queued request with {@code error}. */
    void failAll(RuntimeException error) {
        CompletableFuture<C> w;
        while ((w = queue.poll()) != null) {
            QUEUED.getAndAdd(this, -1);
            w.completeExceptionally(error);
        }
    }

    private int purgeDone() {
        int removed = 0;
        for (CompletableFuture<C> w : queue) {
            if (w.isDone() && queue.remove(w)) {
                QUEUED.getAndAdd(this, -1);
                removed++;
            }
        }
        return removed;
    }
}
