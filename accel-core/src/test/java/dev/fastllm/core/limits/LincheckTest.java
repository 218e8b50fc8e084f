package dev.fastllm.core.limits;

import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of the twin, checked by Lincheck against the original gateway limiter as the sequential
 * specification: model checking (every interleaving of the chosen switch points) and stress. Two keys,
 * limits that are met within a few calls (2 requests, 5 M tokens, 1 slot), reservations and usages on both
 * sides of the compact word's 1 048 575 tokens (so keys turn wide and wide deltas overflow), clock readings
 * on the window edges. The first call on a fresh limiter also copies its table to one based near the clock, so that copy
 * races with the other calls.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "time", gen = IntGen.class, conf = "0:4")
@Param(name = "tokens", gen = IntGen.class, conf = "0:6")
public class LincheckTest {
    private static final long[] TIMES = {5_000_000, 5_059_999, 5_060_000, 5_119_999, 5_120_000};
    private static final String[] KEYS = {"a", "b"};
    private static final long RPM = 2;
    private static final long TPM = 5_000_000;
    private static final long[] TOKENS = {0, 1, 3, 5, 2_000_000, 3_000_000, Long.MAX_VALUE};
    private static final int PARALLEL = 1;

    private final LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();

    @Operation
    public String tryAcquire(@Param(name = "key") int key, @Param(name = "tokens") int tokens,
                             @Param(name = "time") int time) {
        return LimiterOps.show(limiter.tryAcquire(KEYS[key], RPM, TPM, PARALLEL, TOKENS[tokens], TIMES[time], new LimitDecision()));
    }

    @Operation
    public void release(@Param(name = "key") int key) {
        limiter.release(KEYS[key]);
    }

    @Operation
    public void reconcile(@Param(name = "key") int key, @Param(name = "tokens") int actual,
                          @Param(name = "time") int time) {
        limiter.reconcile(KEYS[key], 3, TOKENS[actual], TIMES[Math.max(0, time - 1)], TIMES[time]);
    }

    @Operation
    public String peek(@Param(name = "key") int key, @Param(name = "time") int time) {
        return LimiterOps.show(limiter.peek(KEYS[key], RPM, TPM, PARALLEL, TIMES[time], new LimitDecision()));
    }

    @Operation
    public int evictIdle(@Param(name = "time") int time) {
        return limiter.evictIdle(TIMES[time]);
    }

    @Operation
    public boolean evictIfIdle(@Param(name = "key") int key, @Param(name = "time") int time) {
        return limiter.evictIfIdle(KEYS[key], TIMES[time]);
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .sequentialSpecification(Original.class)
                .iterations(Integer.getInteger("lincheck.iterations", 3))
                .invocationsPerIteration(300)
                .threads(3)
                .actorsPerThread(2)
                .check(LincheckTest.class);
    }

    @Test
    void stress() {
        new StressOptions()
                .iterations(Integer.getInteger("lincheck.iterations", 15))
                .invocationsPerIteration(2_000)
                .threads(3)
                .actorsPerThread(3)
                .sequentialSpecification(Original.class)
                .check(LincheckTest.class);
    }

    /**
     * The sequential specification: the gateway's limiter, same operations, same answers. Its keys share
     * nothing, so each key gets a limiter of its own, and {@code evictIfIdle} of one key is
     * {@code evictIdle} of that key's limiter.
     */
    public static class Original {
        private static final KeyLimits LIMITS = new KeyLimits(RPM, TPM, PARALLEL);
        private final KeyRateLimiter[] limiters = {new KeyRateLimiter(), new KeyRateLimiter()};

        public String tryAcquire(int key, int tokens, int time) {
            return LimiterOps.show(limiters[key].tryAcquire(KEYS[key], LIMITS, TOKENS[tokens], TIMES[time]));
        }

        public void release(int key) {
            limiters[key].release(KEYS[key]);
        }

        public void reconcile(int key, int actual, int time) {
            limiters[key].reconcile(KEYS[key], 3, TOKENS[actual], TIMES[Math.max(0, time - 1)], TIMES[time]);
        }

        public String peek(int key, int time) {
            return LimiterOps.show(limiters[key].peek(KEYS[key], LIMITS, TIMES[time]));
        }

        public int evictIdle(int time) {
            return limiters[0].evictIdle(TIMES[time]) + limiters[1].evictIdle(TIMES[time]);
        }

        public boolean evictIfIdle(int key, int time) {
            return limiters[key].evictIdle(TIMES[time]) == 1;
        }
    }
}
