package dev.fastllm.bench.agent;

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

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The demo gateway's {@code Router.pick} then {@code onEnd} (success), as the gateway calls them, in three JVMs of
 * one run: without the agent, with the agent ({@code gateway.routing} on, the default: the twin owns the group),
 * and with the agent but the point off from the start (the rewritten methods only ask their flag; no twin is
 * made). One group of 4 deployments (weights 1 to 4, a {@code tpm} each so that every pick checks and claims
 * capacity; the same group as {@code dev.fastllm.bench.routing.RouterBenchmark}, which measures the twin
 * without the agent), the wall clock as the gateway passes it. Run from the repository root: the forks load
 * {@code agent/target/fast-llm-agent.jar}. 8 threads on a 2-core machine measure oversubscription.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Benchmark)
public class PickEndBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";

    @Param({"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    public String strategy;

    private static final long TPM = 5_000_000_000_000L;
    private static final long TOKENS = 120;
    /** What the provider reports: not the estimate, so every end settles its reservation. */
    private static final long USED = 150;

    private Router router;

    @Setup
    public void setUp() {
        List<Deployment> deployments = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            deployments.add(new Deployment("g", "d" + i, "openai", "m", URI.create("http://127.0.0.1:1/v1"), false,
                    null, OptionalLong.empty(), OptionalLong.of(TPM), OptionalLong.of(i + 1), Duration.ofSeconds(30),
                    10, OptionalInt.empty()));
        }
        router = new Router(Map.of("g", deployments),
                new RouterSettings(strategy, 0, Map.of(), 3, Duration.ofSeconds(5), Duration.ofSeconds(600)), 42L);
    }

    private Route pickAndEnd() {
        Route r = router.pick("g", TOKENS, System.currentTimeMillis());
        router.onEnd(r, 200, USED, System.currentTimeMillis());
        return r;
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1)
    public Route noAgent() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1, jvmArgsAppend = AGENT)
    public Route agentOn() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(1)
    @Fork(value = 1, jvmArgsAppend = AGENT + "=gateway.routing=off")
    public Route agentOff() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1)
    public Route noAgent8() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1, jvmArgsAppend = AGENT)
    public Route agentOn8() {
        return pickAndEnd();
    }

    @Benchmark
    @Threads(8)
    @Fork(value = 1, jvmArgsAppend = AGENT + "=gateway.routing=off")
    public Route agentOff8() {
        return pickAndEnd();
    }
}
