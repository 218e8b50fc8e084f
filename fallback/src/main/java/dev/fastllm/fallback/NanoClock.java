package dev.fastllm.fallback;

/**
 * A source of monotonic nanoseconds, {@link System#nanoTime()} in production. The breaker and the latency
 * sampler read time only through it, so tests can drive the breaker's state machine without sleeping.
 */
public interface NanoClock {

    long nanoTime();

    /** The JVM's monotonic clock. */
    NanoClock SYSTEM = new SystemNanoClock();

    /** A named class rather than a lambda: no invokedynamic bootstrap while the agent starts. */
    final class SystemNanoClock implements NanoClock {
        private SystemNanoClock() {
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }
    }
}
