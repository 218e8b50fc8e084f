package dev.fastllm.agent.bootstrap;

/**
 * What a rewritten call that returns an object carries from its enter advice to its exit advice when the
 * original body runs and something is left to do after it: the point's decision (for the sampled latency and a
 * breaker trial), the clock reading, and in shadow mode the fast path's answer to compare with the original's.
 * A fast answer is carried as itself, never wrapped (a bridge tells the two apart by type), and a call with
 * nothing left to do carries null; so only sampled, shadow and declined calls allocate one of these.
 */
public final class PendingCall {

    /** The point's decision bits. */
    public final int decision;
    /** Which method of the target (a constant of the point's bridge). */
    public final int method;
    /** The clock reading for the original's sampled latency, or 0. */
    public final long startNanos;
    /** The fast path's answer in shadow mode (in JDK types), or null. */
    public final Object shadowAnswer;
    /** What the isolated part needs to compare answers (its view of the target), or null. */
    public final Object context;

    public PendingCall(int decision, int method, long startNanos, Object shadowAnswer, Object context) {
        this.decision = decision;
        this.method = method;
        this.startNanos = startNanos;
        this.shadowAnswer = shadowAnswer;
        this.context = context;
    }
}
