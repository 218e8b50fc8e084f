package dev.fastllm.fallback;

/** The states of a point's circuit breaker. {@link #DISABLED} is where {@code permanent} mode goes instead of open. */
public enum BreakerState {
    /** Fast path allowed; errors are counted in a sliding window. */
    CLOSED,
    /** Fast path refused until the open period ends. */
    OPEN,
    /** A bounded number of trial calls take the fast path; all must succeed to close. */
    HALF_OPEN,
    /** Opened in permanent mode: fast path refused for the rest of the process (or until reset over JMX). */
    DISABLED;

    /** The lower-case name used in metrics and status lines, e.g. {@code half_open}. */
    public String text() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
