package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One request's claim on a deployment, handed out by {@link FastRouter#pick} and handed back, once, to
 * {@link FastRouter#onEnd}. It carries what the router needs to settle the claim (the minute's token
 * reservation, the start time for latency), and a flag that makes a second end a no-op, set by
 * compare-and-set so that two threads ending the same claim cannot both settle it.
 */
public final class Claim {
    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(Claim.class, "ended", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Group group;
    final int index;
    private final long startedAtMillis;
    private final long reservedTokens;
    @SuppressWarnings("unused") // through ENDED
    private volatile int ended;

    Claim(Group group, int index, long startedAtMillis, long reservedTokens) {
        this.group = group;
        this.index = index;
        this.startedAtMillis = startedAtMillis;
        this.reservedTokens = reservedTokens;
    }

    /** The chosen deployment's position in its group, in the order the group was given. */
    public int deployment() {
        return index;
    }

    /** The chosen deployment's id. */
    public String deploymentId() {
        return group.ids[index];
    }

    /** The {@code nowMillis} of the pick that made this claim. */
    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** Tokens reserved against the deployment's {@code tpm} for the minute of the pick. */
    public long reservedTokens() {
        return reservedTokens;
    }

    /** True for the first caller only. */
    boolean end() {
        return ENDED.compareAndSet(this, 0, 1);
    }

    @Override
    public String toString() {
        return "Claim[" + deploymentId() + " at " + startedAtMillis + "]";
    }
}
