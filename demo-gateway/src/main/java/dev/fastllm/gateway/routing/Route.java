package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.Deployment;

/**
 * One request's claim on a deployment, handed out by {@link Router#pick} and handed back, exactly once, to
 * {@link Router#onEnd}. It carries what the router needs to undo or settle the claim (its minute's token
 * reservation, its start time for latency) so the caller has nothing to remember but this object; a second
 * {@code onEnd} of the same route is ignored, so a route can never be ended twice.
 */
public final class Route {

    private final Deployment deployment;
    private final long startedAtMillis;
    private final long reservedTokens;
    final Router.GroupState group;
    final int index;
    /** Guarded by {@code group}'s monitor. */
    boolean ended;

    Route(Deployment deployment, long startedAtMillis, long reservedTokens, Router.GroupState group, int index) {
        this.deployment = deployment;
        this.startedAtMillis = startedAtMillis;
        this.reservedTokens = reservedTokens;
        this.group = group;
        this.index = index;
    }

    /** The deployment to call. */
    public Deployment deployment() {
        return deployment;
    }

    /** The {@code nowMillis} of the {@link Router#pick} that made this route. */
    public long startedAtMillis() {
        return startedAtMillis;
    }

    /** Tokens reserved against the deployment's {@code tpm} for the minute of the pick. */
    public long reservedTokens() {
        return reservedTokens;
    }

    @Override
    public String toString() {
        return "Route[" + deployment.id() + " at " + startedAtMillis + "]";
    }
}
