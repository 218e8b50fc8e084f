package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code gateway.routing}: the demo gateway's {@code Router} ({@code pick}, {@code onEnd},
 * {@code retryAfterMillis}, {@code inFlight}, {@code isCoolingDown}). The router instance travels as an
 * {@code Object}, routes as {@code Object}s; the isolated part ({@link Handle}) finds the instance's twin,
 * decides, and answers or lets the original body run. Without an installed handle, or while it says
 * {@link Handle#originalOnly()}, every call runs the original, and the exit helpers return the original's
 * answer unchanged.
 *
 * <p>{@code pick}'s enter answer is one of: null (the original runs, nothing to do after), a {@link Pin}
 * (the original runs while the group's owner is held; the exit releases it), {@link #NO_ROUTE} (the twin
 * answered null) or the twin's route.
 */
public final class GatewayRoutingBridge {

    /** The pick's answer when the twin found no deployment available (the method returns null). */
    public static final Object NO_ROUTE = new Object();

    /** {@link #end} states: run the original, or the twin answered false / true. */
    public static final int END_ORIGINAL = 0;
    public static final int END_FALSE = 1;
    public static final int END_TRUE = 2;

    /** Answer of {@link #retryAfter} that lets the original body run. */
    public static final long RUN_ORIGINAL = -1L;

    /**
     * A group's ownership held by one call whose original body runs; released by the exit advice (on a
     * normal return or a throw), so that the group cannot move to the twin while the original is choosing.
     */
    public abstract static class Pin {
        /** Lets go of the group; called once, by the thread that received the pin. */
        public abstract void release();
    }

    /** The isolated part's side. Implementations never throw. */
    public interface Handle {
        /**
         * True while every call may run the original alone with nothing to do beside it: the point is off and
         * no router has a twin (so no route, cooldown or group is anywhere else). Read on every call.
         */
        boolean originalOnly();

        /** The pick's enter answer (see the class comment). */
        Object pick(Object router, String group, long estimatedTokens, long nowMillis);

        /** {@link #END_ORIGINAL}, {@link #END_FALSE} or {@link #END_TRUE}. */
        int end(Object router, Object route, String group, int status, long totalTokens, long nowMillis);

        /** The twin's answer, or {@link #RUN_ORIGINAL}. */
        long retryAfter(Object router, String group, long estimatedTokens, long nowMillis);

        /** The twin's requests in flight on the deployment, added to the original's. */
        int twinInFlight(Object router, String group, String deploymentId);

        /** True when the twin has the deployment cooling down. */
        boolean twinCoolingDown(Object router, String group, String deploymentId, long nowMillis);
    }

    private static volatile Handle handle;

    private GatewayRoutingBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    public static Object pick(Object router, String group, long estimatedTokens, long nowMillis) {
        Handle h = handle;
        return h == null || h.originalOnly() ? null : h.pick(router, group, estimatedTokens, nowMillis);
    }

    /** True when the twin answered the pick and the original body is skipped. */
    public static boolean answered(Object call) {
        return call != null && !(call instanceof Pin);
    }

    /** What {@code pick} returns: the twin's route, null, or the original's route (releasing a pin). */
    public static Object pickExit(Object call, Object originalRoute) {
        if (call == null) {
            return originalRoute;
        }
        if (call instanceof Pin) {
            ((Pin) call).release();
            return originalRoute;
        }
        return call == NO_ROUTE ? null : call;
    }

    public static int end(Object router, Object route, String group, int status, long totalTokens, long nowMillis) {
        Handle h = handle;
        return h == null || group == null || h.originalOnly() ? END_ORIGINAL
                : h.end(router, route, group, status, totalTokens, nowMillis);
    }

    /** What {@code onEnd} returns. */
    public static boolean endExit(int state, boolean originalAnswer) {
        return state == END_ORIGINAL ? originalAnswer : state == END_TRUE;
    }

    public static long retryAfter(Object router, String group, long estimatedTokens, long nowMillis) {
        Handle h = handle;
        return h == null || h.originalOnly() ? RUN_ORIGINAL : h.retryAfter(router, group, estimatedTokens, nowMillis);
    }

    /** What {@code retryAfterMillis} returns. */
    public static long retryAfterExit(long answer, long originalAnswer) {
        return answer == RUN_ORIGINAL ? originalAnswer : answer;
    }

    /** What {@code inFlight} returns: the original's count plus the twin's. */
    public static int inFlight(Object router, String group, String deploymentId, int originalCount) {
        Handle h = handle;
        return h == null || h.originalOnly() ? originalCount : originalCount + h.twinInFlight(router, group, deploymentId);
    }

    /** What {@code isCoolingDown} returns: cooling in the original or in the twin. */
    public static boolean coolingDown(Object router, String group, String deploymentId, long nowMillis,
                                      boolean originalAnswer) {
        Handle h = handle;
        return originalAnswer || h != null && !h.originalOnly() && h.twinCoolingDown(router, group, deploymentId, nowMillis);
    }
}
