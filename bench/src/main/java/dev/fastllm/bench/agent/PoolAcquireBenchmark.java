package dev.fastllm.bench.agent;

import dev.fastllm.gateway.upstream.ConnectionPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The demo gateway's {@code ConnectionPool}, acquire then release of a pooled connection as its upstream client
 * does it, in three JVMs per case of one run: without the agent, with the agent ({@code gateway.connection-pool}
 * on, the default: both calls served by the pool's twin), and with the agent but the point off (the rewritten
 * methods ask their flag, and release looks for a twin, then run the original bodies). Run from the repository
 * root: the forks load {@code agent/target/fast-llm-agent.jar}. 64 connections: nobody waits; 4 connections
 * with 8 threads: requests queue. Time per acquire + release, per thread. 8 threads on a 2-core machine
 * measure oversubscription.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class PoolAcquireBenchmark {

    static final String AGENT = CountTextBenchmark.AGENT;

    @Param({"64", "4"})
    public int connections;

    /** A connection: open until closed, checked on every reuse as a channel's {@code isActive()} would be. */
    static final class Conn {
        volatile boolean open = true;
    }

    private static final class OpenAtOnce implements ConnectionPool.Connector<Conn> {
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

    private ConnectionPool<Conn> pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new ConnectionPool<>("bench", new OpenAtOnce(), connections, 10_000, TimeUnit.SECONDS.toNanos(60),
                System::nanoTime);
        // open every connection once, so that the measurement is of reuse
        Conn[] all = new Conn[connections];
        for (int i = 0; i < connections; i++) {
            all[i] = pool.acquire().join();
        }
        for (Conn c : all) {
            pool.release(c, true);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ConnectionPool.Stats s = pool.stats();
        pool.close();
        if (s.leased() != 0 || s.pending() != 0) {
            throw new IllegalStateException("leases left after the run: " + s);
        }
    }

    private Conn acquireRelease() {
        Conn c = pool.acquire().join();
        pool.release(c, true);
        return c;
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
    public Conn noAgent1() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", AGENT})
    public Conn agentOn1() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", AGENT + "=gateway.connection-pool=off"})
    public Conn agentOff1() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
    public Conn noAgent8() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", AGENT})
    public Conn agentOn8() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", AGENT + "=gateway.connection-pool=off"})
    public Conn agentOff8() {
        return acquireRelease();
    }
}
