package dev.fastllm.bench.agent;

import dev.fastllm.bench.limits.LimiterBenchmark;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The demo gateway's {@code KeyRateLimiter.tryAcquire} then {@code release}, as the gateway calls them, in
 * JVMs of one run: without the agent ({@link NoAgent}), with the agent and point
 * {@code gateway.rate-limiter} on ({@link AgentOn}: the rewritten methods answer from accel-core's limiter)
 * and with the agent but the point off ({@link AgentOff}: the rewritten methods ask their flag, then run the
 * original), and at {@code canary:50} ({@link AgentCanary}). Cases as in accel-core's own limiter benchmark: one thread over 10 000 keys (clock 100 times
 * fast, windows roll every 0.6 s), eight threads on one hot key, eight threads over 1 000 000 keys (all
 * tracked before measuring), and over 1 000 000 keys again with a little work between calls, at one thread
 * and at eight ({@code CallerWork}: in a loop that does nothing else, consecutive calls' cache misses
 * overlap, the more so the shorter the call, which favours the original's path over the rewritten one; a
 * gateway's own work between two calls ends that overlap, see
 * {@link dev.fastllm.bench.limits.LimiterBenchmark#CALLER_WORK}). Keys have no limits, so every call is
 * admitted and released. Run from the repository root: the forks load {@code agent/target/fast-llm-agent.jar}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class LimiterPointBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";
    static final long RESERVED_TOKENS = 100;
    static final long REAL_TIME = 1_000_000;
    static final long FAST_TIME = 10_000;

    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
    public static class NoAgent extends LimiterPointBenchmark {
    }

    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", AGENT})
    public static class AgentOn extends LimiterPointBenchmark {
    }

    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", AGENT + "=gateway.rate-limiter=off"})
    public static class AgentOff extends LimiterPointBenchmark {
    }

    /**
     * With the point at {@code canary:50}: half the keys (by hash) go to the twin, the other half run the
     * original's body through the rewritten method, each such call counted in its key's stripe and handing
     * the key over at its exit. Those calls allocate the original's decision (64 B a call on average), so
     * the heap is touched before the run ({@code AlwaysPreTouch}): otherwise the first seconds measure the
     * kernel's page faults on a fresh young generation (about 250 ns a pair here, 75 to 110 once every
     * page was touched), which no long-running gateway pays.
     */
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", AGENT + "=gateway.rate-limiter=canary:50"})
    public static class AgentCanary extends LimiterPointBenchmark {
    }

    /** One gateway limiter (rewritten or not, depending on the fork) and the keys it serves. */
    @State(Scope.Benchmark)
    public abstract static class Limiter {
        final KeyRateLimiter limiter = new KeyRateLimiter();
        long clockDivisor = REAL_TIME;

        final boolean acquireAndRelease(String key, long now) {
            boolean allowed = limiter.tryAcquire(key, KeyLimits.UNLIMITED, RESERVED_TOKENS, now).allowed();
            if (allowed) {
                limiter.release(key);
            }
            return allowed;
        }

        /** Tracks the 1 000 000 keys of the million-key cases; returns them. */
        final String[] trackMillion() {
            String[] keys = keys(1_000_000);
            for (String key : keys) {
                acquireAndRelease(key, System.nanoTime() / clockDivisor);
            }
            return keys;
        }

        static String[] keys(int n) {
            return LimiterBenchmark.Limiter.keys(n);
        }
    }

    @State(Scope.Benchmark)
    public static class TenThousandKeys extends Limiter {
        String[] keys;

        @Setup
        public void setup() {
            keys = keys(10_000);
            clockDivisor = FAST_TIME;
        }
    }

    @State(Scope.Benchmark)
    public static class OneHotKey extends Limiter {
    }

    @State(Scope.Benchmark)
    public static class MillionKeys extends Limiter {
        String[] keys;

        @Setup
        public void setup() {
            keys = trackMillion();
        }
    }

    /** As {@link MillionKeys}, called with copies of the keys ({@link LimiterBenchmark.MillionKeyCopies}). */
    @State(Scope.Benchmark)
    public static class MillionKeyCopies extends Limiter {
        String[] copies;

        @Setup
        public void setup() {
            copies = LimiterBenchmark.copies(trackMillion());
        }
    }

    /** A thread's key cursor and clock reading, refreshed every 64 calls (a gateway reads it once a request). */
    @State(Scope.Thread)
    public static class Caller {
        int cursor;
        int calls;
        long now = -1;
        long random = System.nanoTime() | 1;

        long clock(Limiter s) {
            if (now < 0 || (++calls & 63) == 0) {
                now = System.nanoTime() / s.clockDivisor;
            }
            return now;
        }

        int nextRandom(int bound) {
            random ^= random << 13;
            random ^= random >>> 7;
            random ^= random << 17;
            return (int) ((random >>> 33) % bound);
        }
    }

    @Benchmark
    @Threads(1)
    public boolean tenThousandKeys1Thread(TenThousandKeys s, Caller c) {
        int i = c.cursor;
        c.cursor = i + 1 == s.keys.length ? 0 : i + 1;
        return s.acquireAndRelease(s.keys[i], c.clock(s));
    }

    @Benchmark
    @Threads(8)
    public boolean oneHotKey8Threads(OneHotKey s, Caller c) {
        return s.acquireAndRelease("sk-hot", c.clock(s));
    }

    @Benchmark
    @Threads(8)
    public boolean millionKeys8Threads(MillionKeys s, Caller c) {
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s));
    }

    @Benchmark
    @Threads(1)
    public boolean millionKeysCallerWork1Thread(MillionKeys s, Caller c) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s));
    }

    @Benchmark
    @Threads(8)
    public boolean millionKeysCallerWork8Threads(MillionKeys s, Caller c) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s));
    }

    @Benchmark
    @Threads(1)
    public boolean millionKeyCopiesCallerWork1Thread(MillionKeyCopies s, Caller c) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return s.acquireAndRelease(s.copies[c.nextRandom(s.copies.length)], c.clock(s));
    }

    @Benchmark
    @Threads(8)
    public boolean millionKeyCopiesCallerWork8Threads(MillionKeyCopies s, Caller c) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return s.acquireAndRelease(s.copies[c.nextRandom(s.copies.length)], c.clock(s));
    }
}
