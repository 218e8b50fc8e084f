package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A request made from the continuation of a failed connect's future, on the thread that completes it (a
 * caller that retries at once when its connect fails), while other requests wait. The original frees the
 * failed connect's slot, completes the future (the retry runs and finds the slot free: it opens a connection
 * of its own), then lets the next waiter try. The twin does the same: the retry is not sent to the back of
 * the queue, and with a full queue it is not refused.
 */
class FailedConnectRetryTest {

    /** One connection, {@code pending} waiting requests allowed; the first connect fails, its caller retries. */
    private static List<String> run(PoolDifferentialTest.Pool p, FakeConnector c, int waiting, int retries) {
        List<String> log = new ArrayList<>();
        c.mode = FakeConnector.Mode.HOLD;
        List<CompletableFuture<Conn>> retried = new ArrayList<>();
        CompletableFuture<Conn> first = p.acquire();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        first.whenComplete((conn, error) -> {
            failure.set(error);
            for (int i = 0; i < retries; i++) {
                retried.add(p.acquire()); // on the completing thread, before the pool serves the queue
            }
            log.add("inside the continuation: " + p.stats());
        });
        List<CompletableFuture<Conn>> waiters = new ArrayList<>();
        for (int i = 0; i < waiting; i++) {
            waiters.add(p.acquire());
        }
        c.finishHeld(false);
        log.add("first: " + (failure.get() == null ? "no failure" : failure.get().getClass().getSimpleName()));
        log.add("connects held: " + c.held.size());
        c.mode = FakeConnector.Mode.IMMEDIATE;
        while (!c.held.isEmpty()) {
            c.finishHeld(true);
        }
        for (int i = 0; i < retried.size(); i++) {
            log.add("retry " + i + ": " + PoolDifferentialTest.outcome(retried.get(i)));
        }
        for (int i = 0; i < waiters.size(); i++) {
            log.add("waiter " + i + ": " + PoolDifferentialTest.outcome(waiters.get(i)));
        }
        log.add("stats: " + p.stats());
        return log;
    }

    private static void same(int pending, int waiting, int retries) {
        AtomicLong clock = new AtomicLong();
        FakeConnector a = new FakeConnector();
        FakeConnector b = new FakeConnector();
        List<String> original = run(PoolDifferentialTest.original(a, 1, pending, clock), a, waiting, retries);
        assertEquals(original, run(PoolDifferentialTest.twin(b, 1, pending, clock), b, waiting, retries));
    }

    /**
     * Two connections: the caller holds one; its second request's connect fails, and the continuation gives
     * back the connection it holds ({@code reusable} or not), then retries, while two requests wait. The
     * original's release serves one waiter (with the connection, or by opening on its freed slot) and the
     * retry opens on the slot the failure freed; the second waiter still waits.
     */
    private static List<String> releaseThenRetry(PoolDifferentialTest.Pool p, FakeConnector c, boolean reusable) {
        List<String> log = new ArrayList<>();
        Conn held = p.acquire().join();
        c.mode = FakeConnector.Mode.HOLD;
        List<CompletableFuture<Conn>> retried = new ArrayList<>();
        CompletableFuture<Conn> second = p.acquire();
        second.whenComplete((conn, error) -> {
            p.release(held, reusable);
            retried.add(p.acquire());
            log.add("inside the continuation: " + p.stats());
        });
        CompletableFuture<Conn> w1 = p.acquire();
        CompletableFuture<Conn> w2 = p.acquire();
        c.finishHeld(false);
        log.add("connects held: " + c.held.size());
        c.mode = FakeConnector.Mode.IMMEDIATE;
        while (!c.held.isEmpty()) {
            c.finishHeld(true);
        }
        log.add("retry: " + PoolDifferentialTest.outcome(retried.get(0)));
        log.add("waiter 1: " + PoolDifferentialTest.outcome(w1));
        log.add("waiter 2: " + PoolDifferentialTest.outcome(w2));
        log.add("stats: " + p.stats() + ", closed by the pool: " + c.closed.get());
        return log;
    }

    private static void sameReleasing(boolean reusable) {
        AtomicLong clock = new AtomicLong();
        FakeConnector a = new FakeConnector();
        FakeConnector b = new FakeConnector();
        List<String> original = releaseThenRetry(PoolDifferentialTest.original(a, 2, 4, clock), a, reusable);
        assertEquals(original, releaseThenRetry(PoolDifferentialTest.twin(b, 2, 4, clock), b, reusable));
    }

    @Test
    void aContinuationThatClosesAConnectionThenRetriesOpensOnTheFailedSlot() {
        sameReleasing(false);
    }

    @Test
    void aContinuationThatGivesBackAConnectionThenRetriesOpensOnTheFailedSlot() {
        sameReleasing(true);
    }

    /** The retry's own connect fails at once too: its continuation retries again, on the slot held anew. */
    @Test
    void aRetryWhoseConnectFailsAtOnceRetriesOnTheSameSlot() {
        AtomicLong clock = new AtomicLong();
        FakeConnector a = new FakeConnector();
        FakeConnector b = new FakeConnector();
        assertEquals(nested(PoolDifferentialTest.original(a, 1, 4, clock), a),
                nested(PoolDifferentialTest.twin(b, 1, 4, clock), b));
    }

    private static List<String> nested(PoolDifferentialTest.Pool p, FakeConnector c) {
        List<String> log = new ArrayList<>();
        c.mode = FakeConnector.Mode.HOLD;
        List<CompletableFuture<Conn>> attempts = new ArrayList<>();
        CompletableFuture<Conn> first = p.acquire();
        CompletableFuture<Conn> waiter = p.acquire();
        c.mode = FakeConnector.Mode.REFUSE; // the retries' connects fail at once, on this thread
        first.whenComplete((conn, error) -> {
            CompletableFuture<Conn> retry = p.acquire();
            attempts.add(retry);
            retry.whenComplete((conn2, error2) -> {
                c.mode = FakeConnector.Mode.HOLD;
                attempts.add(p.acquire());
                log.add("inner: " + p.stats());
            });
        });
        c.finishHeld(false);
        log.add("after: " + p.stats() + ", connects held: " + c.held.size());
        c.mode = FakeConnector.Mode.IMMEDIATE;
        while (!c.held.isEmpty()) {
            c.finishHeld(true);
        }
        for (int i = 0; i < attempts.size(); i++) {
            log.add("attempt " + i + ": " + PoolDifferentialTest.outcome(attempts.get(i)));
        }
        log.add("waiter: " + PoolDifferentialTest.outcome(waiter));
        log.add("stats: " + p.stats());
        return log;
    }

    @Test
    void aRetryTakesTheFreedSlotBeforeTheWaiters() {
        same(4, 2, 1);
    }

    @Test
    void aRetryIsNotRefusedForAFullQueue() {
        same(1, 1, 1);
    }

    @Test
    void aSecondRetryWaitsBehindTheQueue() {
        same(4, 2, 2);
    }

    @Test
    void withNobodyWaitingTheRetryOpensAsUsual() {
        same(4, 0, 1);
    }

    /**
     * A request from another thread while the failed connect's continuation runs: the original freed the
     * slot before completing the future and serves its queue only after, so any request made meanwhile, on
     * any thread, finds the slot free and opens on it, ahead of the waiters. Before, the twin kept the slot
     * for the completing thread's own requests, and the other thread's request joined the back of the queue.
     */
    private static List<String> otherThreadDuringTheContinuation(PoolDifferentialTest.Pool p, FakeConnector c,
                                                                 int waiting) {
        List<String> log = new ArrayList<>();
        c.mode = FakeConnector.Mode.HOLD;
        AtomicReference<CompletableFuture<Conn>> other = new AtomicReference<>();
        CompletableFuture<Conn> first = p.acquire();
        first.whenComplete((conn, error) -> {
            Thread t = new Thread(() -> other.set(p.acquire()));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.add("inside the continuation: " + p.stats() + ", other: " + PoolDifferentialTest.outcome(other.get()));
        });
        List<CompletableFuture<Conn>> waiters = new ArrayList<>();
        for (int i = 0; i < waiting; i++) {
            waiters.add(p.acquire());
        }
        c.finishHeld(false);
        log.add("connects held: " + c.held.size());
        c.mode = FakeConnector.Mode.IMMEDIATE;
        while (!c.held.isEmpty()) {
            c.finishHeld(true);
        }
        log.add("other: " + PoolDifferentialTest.outcome(other.get()));
        for (int i = 0; i < waiters.size(); i++) {
            log.add("waiter " + i + ": " + PoolDifferentialTest.outcome(waiters.get(i)));
        }
        log.add("stats: " + p.stats());
        return log;
    }

    @Test
    void aRequestFromAnotherThreadDuringTheContinuationOpensOnTheFreedSlot() {
        for (int waiting : new int[] {0, 1, 3}) {
            AtomicLong clock = new AtomicLong();
            FakeConnector a = new FakeConnector();
            FakeConnector b = new FakeConnector();
            List<String> original = otherThreadDuringTheContinuation(PoolDifferentialTest.original(a, 1, 4, clock), a,
                    waiting);
            assertEquals(original, otherThreadDuringTheContinuation(PoolDifferentialTest.twin(b, 1, 4, clock), b,
                    waiting), waiting + " waiting");
        }
    }
}
