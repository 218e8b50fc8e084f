package dev.fastllm.bench.routing;

import dev.fastllm.bench.limits.LimiterBenchmark;
import dev.fastllm.core.routing.Claim;
import dev.fastllm.core.routing.FastRouter;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.RouterSettings;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A request's routing: pick, then end with a success, on one group of 4 deployments (weights 1 to 4, a
 * {@code tpm} each so that every pick checks and claims capacity), with the wall clock as the gateway
 * passes it. The gateway's router (one monitor per group) against its lock-free twin, per strategy. The
 * machine this was measured on has 2 cores: 8 threads measure oversubscription.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RouterBenchmark {

    @Param({"original", "twin"})
    public String router;

    @Param({"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    public String strategy;

    private static final long TPM = 5_000_000_000_000L;
    private static final long TOKENS = 120;
    /** What the provider reports: not the estimate, so every end settles its reservation. */
    private static final long USED = 150;

    private Router original;
    private FastRouter twin;
    private boolean measureTwin;

    @Setup
    public void setUp() {
        List<Deployment> deployments = new ArrayList<>();
        String[] ids = new String[4];
        long[] unset = new long[4];
        long[] tpm = new long[4];
        long[] weight = new long[4];
        for (int i = 0; i < 4; i++) {
            ids[i] = "d" + i;
            unset[i] = FastRouter.UNSET;
            tpm[i] = TPM;
            weight[i] = i + 1;
            deployments.add(new Deployment("g", ids[i], "openai", "m", URI.create("http://127.0.0.1:1/v1"), false,
                    null, OptionalLong.empty(), OptionalLong.of(TPM), OptionalLong.of(i + 1), Duration.ofSeconds(30),
                    10, OptionalInt.empty()));
        }
        original = new Router(Map.of("g", deployments),
                new RouterSettings(strategy, 0, Map.of(), 3, Duration.ofSeconds(5), Duration.ofSeconds(600)), 42L);
        measureTwin = router.equals("twin");
        twin = FastRouter.builder(strategy, 3, 5_000).group("g", ids, unset, tpm, weight).build();
    }

    private Object pickAndEnd() {
        if (measureTwin) {
            Claim c = twin.pick("g", TOKENS, System.currentTimeMillis());
            twin.onEnd(c, 200, USED, System.currentTimeMillis());
            return c;
        }
        Route r = original.pick("g", TOKENS, System.currentTimeMillis());
        original.onEnd(r, 200, USED, System.currentTimeMillis());
        return r;
    }

    @Benchmark
    @Threads(1)
    public Object oneThread() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(8)
    public Object eightThreads() {
        return pickAndEnd();
    }

    /**
     * As {@link #eightThreads}, with {@code LimiterBenchmark.CALLER_WORK} between pairs: a caller that does
     * something else between requests, so fewer threads meet on the group's words at once.
     */
    @Benchmark
    @Threads(8)
    public Object eightThreadsCallerWork() {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return pickAndEnd();
    }
}
