package dev.fastllm.core.pool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The FIFO queue of requests waiting for a connection, used only when every connection is taken. Joining
 * with the pending limit checked, and leaving, are each one step under this queue's own lock, so the length
 * the limit is checked against is always the queue's (a lock-free queue with a separate length word showed
 * the twin refusing a request while the original, with one lock, would have queued it: a request counted
 * before it had joined, or after it had been taken out, made a full queue of one that was not, see
 * {@code PoolLincheckTest}). The pool's hot path never takes this lock: it reads {@link #quiet()}, one
 * volatile word that only changes when requests start or stop waiting. Futures are completed by the caller,
 * outside the lock.
 *
 * <p>The length counts requests that gave up until they are polled or purged, as the gateway pool's queue
 * does: the pending limit is checked against that count, and those that gave up are purged only when it is
 * reached.
 */
final class Waiters<C> {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<CompletableFuture<C>> queue = new ArrayDeque<>();
    /** The queue's length, written under the lock, read without it. */
    private volatile int size;

    /** True when no request waits. */
    boolean quiet() {
        return size == 0;
    }

    /**
     * Joins {@code waiter} at the end of the queue unless {@code limit} requests are in it (those that gave up
     * are purged first, as the original does when its queue is full).
     *
     * @return false when the queue is full
     */
    boolean offer(CompletableFuture<C> waiter, int limit) {
        lock.lock();
        try {
            if (queue.size() >= limit) {
                queue.removeIf(CompletableFuture::isDone);
                if (queue.size() >= limit) {
                    size = queue.size();
                    return false;
                }
            }
            queue.addLast(waiter);
            size = queue.size();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The longest-waiting request that has not given up, removed from the queue; null if none. */
    CompletableFuture<C> pollLive() {
        if (size == 0) {
            return null;
        }
        lock.lock();
        try {
            CompletableFuture<C> w = firstLive();
            if (w != null) {
                removeFirst(w);
            }
            return w;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Holds the queue still while the caller looks for something to serve its first request with, so that no
     * other call sees the request waiting once that something is taken ({@link #firstLive}, {@link #removeFirst}).
     */
    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Under {@link #lock}: the longest-waiting request that has not given up (those that have are dropped). */
    CompletableFuture<C> firstLive() {
        CompletableFuture<C> w;
        while ((w = queue.peekFirst()) != null && w.isDone()) {
            queue.pollFirst();
        }
        size = queue.size();
        return w;
    }

    /**
     * Under {@link #lock}: takes {@code w}, which {@link #firstLive} answered, out of the queue; false, taking
     * nothing, if it is no longer first (a call the holder made meanwhile from a connector's callback, on
     * this thread, took it out).
     */
    boolean removeFirst(CompletableFuture<C> w) {
        if (queue.peekFirst() != w) {
            return false;
        }
        queue.pollFirst();
        size = queue.size();
        return true;
    }

    /** Requests waiting that have not given up. */
    int live() {
        lock.lock();
        try {
            int n = 0;
            for (CompletableFuture<C> w : queue) {
                if (!w.isDone()) {
                    n++;
                }
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Fails every queued request with {@code error} (outside the lock). */
    void failAll(RuntimeException error) {
        List<CompletableFuture<C>> failed;
        lock.lock();
        try {
            failed = new ArrayList<>(queue);
            queue.clear();
            size = 0;
        } finally {
            lock.unlock();
        }
        for (CompletableFuture<C> w : failed) {
            w.completeExceptionally(error);
        }
    }
}
