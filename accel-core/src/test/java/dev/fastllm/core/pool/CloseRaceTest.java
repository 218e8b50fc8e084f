package dev.fastllm.core.pool;

import dev.fastllm.core.pool.FakeConnector.Conn;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A request that must wait races with {@code close()}; once {@code close()} has returned, the leased
 * connection is given back reusable. The original can only fail that request (closed before it queued, or
 * failed by the close); the twin's request joins the queue and then reads the closed flag, and a release that
 * looked at the queue before the flag handed it the connection. Seeded spins vary the interleaving; the
 * window is narrow, so this finds it in some runs only ({@code -Dpool.closeRaces=N} runs more).
 */
class CloseRaceTest {

    @Test
    void aReleaseAfterCloseServesNoRequest() throws Exception {
        int rounds = Integer.getInteger("pool.closeRaces", 20_000);
        long deadline = System.nanoTime() + 15_000_000_000L;
        CyclicBarrier start = new CyclicBarrier(2);
        CyclicBarrier done = new CyclicBarrier(2);
        AtomicReference<FastPool<Conn>> current = new AtomicReference<>();
        AtomicReference<CompletableFuture<Conn>> got = new AtomicReference<>();
        Thread requester = new Thread(() -> {
            try {
                while (true) {
                    start.await();
                    FastPool<Conn> p = current.get();
                    if (p == null) {
                        return;
                    }
                    got.set(p.acquire());
                    done.await();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "requester");
        requester.start();
        int served = 0;
        String first = null;
        for (int i = 0; i < rounds && System.nanoTime() < deadline; i++) {
            FakeConnector connector = new FakeConnector();
            FastPool<Conn> p = new FastPool<>("p", connector, 1, 1, 1_000_000_000L, () -> 0L);
            Conn c = p.acquire().join();
            current.set(p);
            start.await();
            for (int spin = (i * 7) % 64; spin > 0; spin--) {
                Thread.onSpinWait();
            }
            p.close();
            p.release(c, true);
            done.await();
            CompletableFuture<Conn> f = got.get();
            if (f.isDone() && !f.isCompletedExceptionally()) {
                served++;
                if (first == null) {
                    first = "round " + i + ": " + f.join() + " handed out after close(); " + p.stats();
                }
            }
        }
        current.set(null);
        start.await();
        requester.join();
        assertEquals(0, served, first);
    }
}
