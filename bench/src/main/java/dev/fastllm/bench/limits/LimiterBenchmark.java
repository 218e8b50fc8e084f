package dev.fastllm.bench.limits;

import dev.fastllm.core.limits.LimitDecision;
import dev.fastllm.core.limits.LockFreeKeyRateLimiter;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * {@code tryAcquire} then {@code release} on the gateway's limiter ({@code original}) and on its lock-free
 * twin ({@code twin}), in one run: one thread over 10 000 keys, 8 threads on one hot key, 8 threads over
 * 1 000 000 keys (all tracked before measuring). Keys have no limits (LiteLLM's default for a key without
 * {@code rpm_limit}), so every call is admitted and released. The clock is monotonic and shared by all
 * threads; over 10 000 keys it runs 100 times fast ({@code System.nanoTime() / 10 000} read as milliseconds)
 * so that windows roll every 0.6 s and a key's counts per window stay those of a gateway's key (hundreds of
 * requests) instead of growing for as long as the benchmark runs; over 1 000 000 keys real time does that
 * already. The hot key's counts exceed the twin's compact word either way (millions of requests a window),
 * so that case measures the twin's wide path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimiterBenchmark {
    static final long RESERVED_TOKENS = 100;

    /**
     * {@link Blackhole#consumeCPU} tokens of work a caller does between two limiter calls in the
     * {@code CallerWork} cases, about 80 ns here ({@link #callerWorkAlone1Thread}). In a loop that does nothing
     * else, the processor starts the next calls' key fetches while the current call still waits on its cache
     * misses, so over 1 000 000 keys several calls' misses overlap, the more the shorter the loop; work between
     * calls (a gateway runs thousands of instructions per request) ends that, as in a real caller. 16 tokens
     * (13 ns) already end it for both limiters; the floor's much shorter loop needs about 64.
     */
    public static final int CALLER_WORK = 64;

    /** One limiter, original or twin, behind the two calls measured. */
    @State(Scope.Benchmark)
    public abstract static class Limiter {
        @Param({"original", "twin"})
        public String impl;
        KeyRateLimiter original;
        LockFreeKeyRateLimiter twin;
        long clockDivisor = REAL_TIME;

        void create() {
            if (impl.equals("original")) {
                original = new KeyRateLimiter();
            } else {
                twin = new LockFreeKeyRateLimiter();
            }
        }

        final boolean acquireAndRelease(String key, long now, LimitDecision holder) {
            boolean allowed;
            if (original != null) {
                allowed = original.tryAcquire(key, KeyLimits.UNLIMITED, RESERVED_TOKENS, now).allowed();
            } else {
                allowed = twin.tryAcquire(key, Long.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, RESERVED_TOKENS,
                        now, holder).allowed();
            }
            if (allowed) {
                if (original != null) {
                    original.release(key);
                } else {
                    twin.release(key);
                }
            }
            return allowed;
        }

        /** Creates the limiter and tracks the 1 000 000 keys of the million-key cases; returns them. */
        final String[] trackMillion() {
            create();
            String[] keys = keys(1_000_000);
            LimitDecision holder = new LimitDecision();
            for (String key : keys) {
                acquireAndRelease(key, System.nanoTime() / clockDivisor, holder);
            }
            return keys;
        }

        /** {@code n} distinct API-key-like strings, the same in every benchmark that uses them. */
        public static String[] keys(int n) {
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = "sk-" + Integer.toHexString(i * 0x9E3779B9) + "-" + i;
            }
            return keys;
        }
    }

    @State(Scope.Benchmark)
    public static class TenThousandKeys extends Limiter {
        String[] keys;

        @Setup
        public void setup() {
            create();
            keys = keys(10_000);
            clockDivisor = FAST_TIME;
        }
    }

    /**
     * 64 keys, whose state stays in the first-level cache: what each side's code costs apart from memory.
     * The clock runs 15 600 times fast ({@code System.nanoTime() / 64}) so that windows roll every ~4 ms
     * and a key's requests per window stay within the twin's compact word (at most 8 191), as over 10 000
     * keys: at 25 ns a pair that is ~2 400 a window. (At 3 900 times fast, ~15 ms windows, a fast pair
     * pushed keys past 8 191 and the twin measured partly its wide path.)
     */
    @State(Scope.Benchmark)
    public static class SixtyFourKeys extends Limiter {
        String[] keys;

        @Setup
        public void setup() {
            create();
            keys = keys(64);
            clockDivisor = VERY_FAST_TIME;
        }
    }

    @State(Scope.Benchmark)
    public static class OneHotKey extends Limiter {
        @Setup
        public void setup() {
            create();
        }
    }

    @State(Scope.Benchmark)
    public static class MillionKeys extends Limiter {
        String[] keys;

        @Setup
        public void setup() {
            keys = trackMillion();
        }
    }

    /**
     * The 1 000 000 keys tracked as in {@link MillionKeys}, and called with copies: strings equal to the
     * tracked ones but other objects, as a gateway reads each request's key from its header into a new
     * string. A limiter then finds the key by comparing contents, not references: after the slot, the
     * tracked string and its bytes are two more cache misses. The copies' hashes are computed in set-up (a
     * gateway computes one from bytes it has just read).
     */
    @State(Scope.Benchmark)
    public static class MillionKeyCopies extends Limiter {
        String[] copies;

        @Setup
        public void setup() {
            copies = copies(trackMillion());
        }
    }

    /** Equal strings that are other objects, with other byte arrays, their hashes computed. */
    public static String[] copies(String[] keys) {
        String[] copies = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            copies[i] = new String(keys[i].toCharArray());
            copies[i].hashCode();
        }
        return copies;
    }

    /** Clock divisors: real milliseconds, milliseconds 100 times fast, and about 15 600 times fast. */
    static final long REAL_TIME = 1_000_000;
    static final long FAST_TIME = 10_000;
    static final long VERY_FAST_TIME = 64;

    /**
     * A thread's key cursor, answer holder and clock reading, refreshed every 64 calls: a gateway reads its
     * clock once per request outside the limiter, and a {@code nanoTime} per call (about 25 ns here) would
     * weigh on both sides of every ratio without being part of either limiter.
     */
    @State(Scope.Thread)
    public static class Caller {
        final LimitDecision holder = new LimitDecision();
        int cursor;
        int calls;
        long now = -1;

        long clock(Limiter s) {
            if (now < 0 || (++calls & 63) == 0) {
                now = System.nanoTime() / s.clockDivisor;
            }
            return now;
        }
        long random = System.nanoTime() | 1;

        /** The next of {@code length} keys in order, from the first again after the last. */
        public int nextInOrder(int length) {
            int i = cursor;
            cursor = i + 1 == length ? 0 : i + 1;
            return i;
        }

        /** A key index drawn at random (xorshift), below {@code bound}. */
        public int nextRandom(int bound) {
            random ^= random << 13;
            random ^= random >>> 7;
            random ^= random << 17;
            return (int) ((random >>> 33) % bound);
        }
    }

    @Benchmark
    @Threads(1)
    public boolean tenThousandKeys1Thread(TenThousandKeys s, Caller c) {
        return s.acquireAndRelease(s.keys[c.nextInOrder(s.keys.length)], c.clock(s), c.holder);
    }

    @Benchmark
    @Threads(1)
    public boolean sixtyFourKeys1Thread(SixtyFourKeys s, Caller c) {
        return s.acquireAndRelease(s.keys[c.nextInOrder(s.keys.length)], c.clock(s), c.holder);
    }

    @Benchmark
    @Threads(1)
    public boolean tenThousandKeysRandom1Thread(TenThousandKeys s, Caller c) {
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s), c.holder);
    }

    @Benchmark
    @Threads(8)
    public boolean oneHotKey8Threads(OneHotKey s, Caller c) {
        return s.acquireAndRelease("sk-hot", c.clock(s), c.holder);
    }

    @Benchmark
    @Threads(8)
    public boolean millionKeys8Threads(MillionKeys s, Caller c) {
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s), c.holder);
    }

    /**
     * As {@link #oneHotKey8Threads}, with {@link #CALLER_WORK} between calls: the hot key when its callers do
     * something else too, so that fewer of them meet on the key at once.
     */
    @Benchmark
    @Threads(8)
    public boolean oneHotKeyCallerWork8Threads(OneHotKey s, Caller c) {
        Blackhole.consumeCPU(CALLER_WORK);
        return s.acquireAndRelease("sk-hot", c.clock(s), c.holder);
    }

    /**
     * As {@link #millionKeys8Threads}, with {@link #CALLER_WORK} between calls: what a caller that does
     * anything else pays per pair.
     */
    @Benchmark
    @Threads(8)
    public boolean millionKeysCallerWork8Threads(MillionKeys s, Caller c) {
        Blackhole.consumeCPU(CALLER_WORK);
        return s.acquireAndRelease(s.keys[c.nextRandom(s.keys.length)], c.clock(s), c.holder);
    }

    /** As {@link #millionKeys8Threads}, each call with a copy of the key ({@link MillionKeyCopies}). */
    @Benchmark
    @Threads(8)
    public boolean millionKeyCopies8Threads(MillionKeyCopies s, Caller c) {
        return s.acquireAndRelease(s.copies[c.nextRandom(s.copies.length)], c.clock(s), c.holder);
    }

    /** Copies of the keys ({@link MillionKeyCopies}) and caller work between calls: a gateway's calls. */
    @Benchmark
    @Threads(8)
    public boolean millionKeyCopiesCallerWork8Threads(MillionKeyCopies s, Caller c) {
        Blackhole.consumeCPU(CALLER_WORK);
        return s.acquireAndRelease(s.copies[c.nextRandom(s.copies.length)], c.clock(s), c.holder);
    }

    /** The caller work of the {@code CallerWork} cases alone. */
    @Benchmark
    @Threads(1)
    public void callerWorkAlone1Thread() {
        Blackhole.consumeCPU(CALLER_WORK);
    }
}
