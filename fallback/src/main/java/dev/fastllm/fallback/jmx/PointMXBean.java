package dev.fastllm.fallback.jmx;

/**
 * The JMX view of one point, registered as {@code dev.fastllm:type=Point,name=<point>}: its flag (writable),
 * counters and breaker. Writing {@code Flag} takes effect on the next call. For a stateful point, keys whose
 * selection changes move between the original and the fast twin, and neither side's state is migrated: a
 * key moved to the fast limiter starts with a fresh budget there, a pool's leases stay where they were
 * taken and are returned there.
 */
public interface PointMXBean {

    String getName();

    String getComponent();

    /** {@code pure} or {@code stateful}. */
    String getKind();

    /** {@code on}, {@code off}, {@code canary:N} or {@code shadow:N}. */
    String getFlag();

    /**
     * Sets the flag; throws IllegalArgumentException (to the JMX client) for a malformed value or for shadow
     * on a stateful point.
     */
    void setFlag(String flag);

    /** Where the current flag came from: default, an agent argument, a property, a variable, or jmx. */
    String getFlagSource();

    /** {@code closed}, {@code open}, {@code half_open} or {@code disabled}. */
    String getBreakerState();

    /** How many times the breaker opened (including permanent disabling). */
    long getBreakerOpenings();

    long getOriginalCalls();

    long getFastCalls();

    long getFallbackCalls();

    long getShadowCalls();

    long getErrors();

    long getDeclines();

    long getShadowMismatches();

    /** What the agent reported about the target: applied to which method, or absent. */
    String getTarget();

    /** The status line printed at start, current values. */
    String getStatus();

    /** Closes the breaker whatever its state, including a permanently disabled one. */
    void resetBreaker();
}
