package dev.fastllm.bench.fallback;

import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.NanoClock;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What a rewritten method pays before its work: the per-call decision of a point, off, on, canary and
 * shadow, with the default 1% latency sampling. {@code *Counted} variants add the outcome report of a
 * fast decision (one LongAdder increment), i.e. the whole bookkeeping of an answered call. {@code call*}
 * measure the functional dispatch form around a trivial fast path and original ({@code String.length}),
 * against {@code direct}, the original called without any point.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DecisionBenchmark {

    private Point off;
    private Point on;
    private Point canary;
    private Point keyedCanary;
    private Point shadow;
    private Point onUnsampled;
    private int key;
    private final String text = "hello, world";

    @Setup
    public void setUp() {
        Points points = new Points(Settings.load(null, null, null, Warnings.NONE), NanoClock.SYSTEM,
                Warnings.NONE);
        off = points.declare("bench-off.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        on = points.declare("bench-on.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        canary = points.declare("bench-canary.tokens", Component.TOKENS, Kind.PURE, Flag.canary(10));
        keyedCanary = points.declare("bench-canary.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.canary(10));
        shadow = points.declare("bench-shadow.tokens", Component.TOKENS, Kind.PURE, Flag.shadow(5));
        Points unsampled = new Points(Settings.load("metrics.latency-sample=0", null, null, Warnings.NONE),
                NanoClock.SYSTEM, Warnings.NONE);
        onUnsampled = unsampled.declare("bench-on.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    @Benchmark
    public int baseline() {
        return key++;
    }

    @Benchmark
    public int off() {
        return off.decide();
    }

    @Benchmark
    public int on() {
        return on.decide();
    }

    @Benchmark
    public int onUnsampled() {
        return onUnsampled.decide();
    }

    @Benchmark
    public int onCounted() {
        int d = on.decide();
        if (Point.isFast(d)) {
            on.fastAnswered(d, on.startTime(d));
        }
        return d;
    }

    @Benchmark
    public int canary() {
        return canary.decide();
    }

    @Benchmark
    public int canaryKeyed() {
        return keyedCanary.decide(key++);
    }

    @Benchmark
    public int shadow() {
        return shadow.decide();
    }

    @Benchmark
    public int direct() {
        return text.length();
    }

    @Benchmark
    public int callOff() {
        return off.callInt(text, String::length, String::length);
    }

    @Benchmark
    public int callOn() {
        return on.callInt(text, String::length, String::length);
    }

    @Benchmark
    public int callShadow() {
        return shadow.callInt(text, String::length, String::length);
    }
}
