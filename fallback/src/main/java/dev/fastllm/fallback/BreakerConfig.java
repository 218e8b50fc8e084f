package dev.fastllm.fallback;

import java.util.concurrent.TimeUnit;

/**
 * Thresholds of a point's circuit breaker: it opens after {@code failures} fast-path errors within
 * {@code window}, stays open for {@code openFor}, then lets {@code trials} trial calls through and closes
 * once they all succeed. In {@code permanent} mode an opened breaker never closes again (until reset over JMX).
 */
public final class BreakerConfig {

    public static final int DEFAULT_FAILURES = 10;
    public static final long DEFAULT_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(60);
    public static final long DEFAULT_OPEN_NANOS = TimeUnit.SECONDS.toNanos(30);
    public static final int DEFAULT_TRIALS = 5;

    /** 10 errors in 60 s, open 30 s, 5 trial calls, recovers. */
    public static final BreakerConfig DEFAULTS =
            new BreakerConfig(DEFAULT_FAILURES, DEFAULT_WINDOW_NANOS, DEFAULT_OPEN_NANOS, DEFAULT_TRIALS, false);

    private final int failures;
    private final long windowNanos;
    private final long openNanos;
    private final int trials;
    private final boolean permanent;

    public BreakerConfig(int failures, long windowNanos, long openNanos, int trials, boolean permanent) {
        if (failures < 1 || trials < 1 || windowNanos < 0 || openNanos < 0) {
            throw new IllegalArgumentException("breaker: failures and trials >= 1, durations >= 0");
        }
        this.failures = failures;
        this.windowNanos = windowNanos;
        this.openNanos = openNanos;
        this.trials = trials;
        this.permanent = permanent;
    }

    public int failures() {
        return failures;
    }

    public long windowNanos() {
        return windowNanos;
    }

    public long openNanos() {
        return openNanos;
    }

    public int trials() {
        return trials;
    }

    public boolean permanent() {
        return permanent;
    }

    @Override
    public String toString() {
        return failures + " errors in " + TimeUnit.NANOSECONDS.toMillis(windowNanos) + " ms, open "
                + TimeUnit.NANOSECONDS.toMillis(openNanos) + " ms, " + trials + " trials"
                + (permanent ? ", permanent" : "");
    }
}
