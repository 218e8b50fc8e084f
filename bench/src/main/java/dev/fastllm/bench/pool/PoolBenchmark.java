package dev.fastllm.bench.pool;

import dev.fastllm.bench.limits.LimiterBenchmark;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Acquire then release of a pooled connection, time per pair per thread: the gateway's pool (one lock,
 * Apache HttpClient's StrictConnPool shape), its lock-free twin, HikariCP's ConcurrentBag (fixed entries,
 * no FIFO futures, no connect on demand) and commons-pool2's GenericObjectPool. With 64 connections and 8
 * threads nobody waits; with 4 connections and 8 threads requests queue for a connection. The machine this
 * was measured on has 2 cores: 8 threads measure oversubscription (4 threads per core).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PoolBenchmark {

    @Param({"original", "twin", "hikari-bag", "commons-pool2"})
    public String pool;

    @Param({"64", "4"})
    public int connections;

    private Pools.LeasePool leases;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        leases = Pools.create(pool, connections);
        // open every connection once, so that the measurement is of reuse
        Object[] all = new Object[connections];
        for (int i = 0; i < connections; i++) {
            all[i] = leases.acquire();
        }
        for (Object c : all) {
            leases.release(c);
        }
    }

    private Object acquireAndRelease() throws Exception {
        Object c = leases.acquire();
        leases.release(c);
        return c;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        leases.close();
    }

    @Benchmark
    @Threads(1)
    public Object oneThread() throws Exception {
        return acquireAndRelease();
    }

    @Benchmark
    @Threads(8)
    public Object eightThreads() throws Exception {
        return acquireAndRelease();
    }

    /**
     * As {@link #eightThreads}, with {@code LimiterBenchmark.CALLER_WORK} between pairs: a caller that does
     * something else between requests, so fewer threads meet on the pool at once.
     */
    @Benchmark
    @Threads(8)
    public Object eightThreadsCallerWork() throws Exception {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return acquireAndRelease();
    }
}
