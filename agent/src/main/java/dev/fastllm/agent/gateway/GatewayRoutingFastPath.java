package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.agent.twin.TwinTable;
import dev.fastllm.core.routing.Claim;
import dev.fastllm.core.routing.FastRouter;
import dev.fastllm.fallback.Point;

import java.util.function.Function;

/**
 * The fast path of {@code gateway.routing}: each gateway {@code Router} gets a {@link RouterTwin} on its
 * first fast decision, and each of its groups is owned by the original or the twin ({@link GroupSlot}).
 *
 * <ul>
 *   <li>{@code pick}: the point decides by the group name's hash (a canary is sticky per group); the pick
 *       goes to the group's owner, which changes only as {@link GroupSlot} allows. A twin pick answers the
 *       gateway's own {@code Route}; an original pick runs the original body holding the group. A fast
 *       decision that lands on the original because the original holds the group's live state is counted
 *       as declined; a twin pick made although the decision said original (the twin still holds the
 *       group) is counted as fast. A Throwable of the twin's pick runs the original on the same call.</li>
 *   <li>{@code onEnd}: a route the twin made (it carries the slot's marker group) ends in the twin, whatever
 *       the flag or breaker says, its {@code ended} flag set by compare-and-set; any other route ends in the
 *       original.</li>
 *   <li>{@code retryAfterMillis}: answered by the group's owner.</li>
 *   <li>{@code inFlight}, {@code isCoolingDown}: the original's answer combined with the twin's (sum, or),
 *       exact whichever side holds what.</li>
 * </ul>
 * Only picks are counted in the point's metrics (they are the calls the point decides). Never throws to the
 * bridge.
 */
final class GatewayRoutingFastPath implements GatewayRoutingBridge.Handle {

    private final Point point;
    private final TwinTable<RouterTwin> twins = new TwinTable<>();
    private final Function<Object, RouterTwin> factory;

    GatewayRoutingFastPath(Point point) {
        this(point, GroupSlot.GRACE_NANOS);
    }

    /** With another grace period after a twin is made (tests). */
    GatewayRoutingFastPath(Point point, long graceNanos) {
        this.point = point;
        this.factory = router -> RouterTwin.of(router, graceNanos);
    }

    /**
     * The point is off and no router has ever had a twin: every group is the original's, so the original
     * answers every call alone. Once any twin exists this stays false, and every call asks its router's twin
     * first, so a twin's routes still end in it and its groups stay there while live, whatever the flag.
     */
    @Override
    public boolean originalOnly() {
        return point.isOff() && !twins.everRegistered();
    }

    @Override
    public Object pick(Object router, String group, long estimatedTokens, long nowMillis) {
        if (group == null) {
            return null; // the original answers (it throws, as it always has)
        }
        int d = point.decide(group.hashCode());
        boolean fast = Point.isFast(d);
        RouterTwin twin = twins.get(router);
        if (twin == null) {
            if (!fast) {
                return null;
            }
            twin = twins.computeIfAbsent(router, factory);
        }
        GroupSlot slot = twin.slot(group);
        if (slot == null) {
            if (fast) {
                point.fastDeclined(d); // unknown group, or a router the twin cannot mirror
            }
            return null;
        }
        try {
            if (fast && slot.enterTwinOpen()) {
                return pickCounted(router, twin, slot, d, group, estimatedTokens, nowMillis);
            }
            return pickHeld(router, twin, slot, d, fast, group, estimatedTokens, nowMillis);
        } catch (Throwable t) {
            point.fastFailed(d, t);
            return null; // could not even hold the group: the original answers unheld
        }
    }

    /**
     * The steady fast pick: the twin owns the group and this pick is already counted as one of its open
     * routes ({@link GroupSlot#enterTwinOpen}), so no hold is taken; the count is taken back when no route
     * results. A Throwable holds the group and lets the original answer, as on the held path.
     */
    private Object pickCounted(Object router, RouterTwin twin, GroupSlot slot, int d, String group,
                               long estimatedTokens, long nowMillis) {
        long t0 = point.startTime(d);
        Claim claim = null;
        Object answer = null;
        try {
            point.injectFault();
            claim = twin.fast.pick(group, estimatedTokens, nowMillis);
            answer = claim == null ? GatewayRoutingBridge.NO_ROUTE : twin.route(router, slot, claim);
        } catch (Throwable t) {
            if (claim != null && answer == null) {
                cancel(twin, claim, nowMillis);
            }
            point.fastFailed(d, t);
            slot.hold();
            slot.strayed();
            slot.twinEnded();
            return slot; // the original answers this call, holding the group
        }
        if (claim == null) {
            slot.twinEnded();
        }
        point.fastAnswered(d, t0);
        return answer;
    }

    private Object pickHeld(Object router, RouterTwin twin, GroupSlot slot, int d, boolean fast, String group,
                            long estimatedTokens, long nowMillis) {
        int side = slot.enter(fast ? GroupSlot.TWIN : GroupSlot.ORIGINAL, twin.fast, nowMillis);
        if (side == GroupSlot.ORIGINAL) {
            if (fast) {
                point.fastDeclined(d);
            }
            return slot; // the original runs holding the group; the exit advice releases it
        }
        long t0 = point.startTime(d);
        Claim claim = null;
        Object answer = null;
        try {
            if (fast) {
                point.injectFault();
            }
            claim = twin.fast.pick(group, estimatedTokens, nowMillis);
            answer = claim == null ? GatewayRoutingBridge.NO_ROUTE : twin.route(router, slot, claim);
            if (claim != null) {
                slot.twinPicked();
            }
        } catch (Throwable t) {
            if (claim != null && answer == null) {
                cancel(twin, claim, nowMillis);
            }
            point.fastFailed(d, t);
            slot.strayed();
            return slot; // the original answers this call, still holding the group
        }
        slot.release();
        point.fastAnswered(d, t0);
        return answer;
    }

    /** A claim the gateway never received (its Route could not be built) is ended at once, as cancelled. */
    private static void cancel(RouterTwin twin, Claim claim, long nowMillis) {
        try {
            twin.fast.onEnd(claim, FastRouter.CANCELLED, 0, nowMillis);
        } catch (Throwable ignored) {
            // the twin's state is then what its failed end left
        }
    }

    @Override
    public int end(Object router, Object route, String group, int status, long totalTokens, long nowMillis) {
        RouterTwin twin = twins.get(router);
        GroupSlot slot = twin == null ? null : twin.slot(group);
        if (slot == null) {
            return GatewayRoutingBridge.END_ORIGINAL;
        }
        int i;
        long startedAt;
        long reserved;
        try {
            if (!twin.isTwinRoute(slot, route)) {
                return GatewayRoutingBridge.END_ORIGINAL;
            }
            if (!twin.shape.markEnded(route)) {
                return GatewayRoutingBridge.END_FALSE; // ended before
            }
            i = twin.shape.routeIndex(route);
            startedAt = twin.shape.routeStartedAt(route);
            reserved = twin.shape.routeReserved(route);
        } catch (Throwable t) {
            point.fastFailed(Point.FAST, t);
            return GatewayRoutingBridge.END_ORIGINAL; // a twin route there touches only its marker group
        }
        try {
            twin.fast.onEndClaimed(group, i, startedAt, reserved, status, totalTokens, nowMillis);
        } catch (Throwable t) {
            point.fastFailed(Point.FAST, t);
        } finally {
            slot.twinEnded();
        }
        return GatewayRoutingBridge.END_TRUE;
    }

    @Override
    public long retryAfter(Object router, String group, long estimatedTokens, long nowMillis) {
        RouterTwin twin = twins.get(router);
        GroupSlot slot = twin == null || group == null ? null : twin.slot(group);
        if (slot == null || slot.owner() != GroupSlot.TWIN) {
            return GatewayRoutingBridge.RUN_ORIGINAL;
        }
        try {
            return twin.fast.retryAfterMillis(group, estimatedTokens, nowMillis);
        } catch (Throwable t) {
            point.fastFailed(Point.FAST, t);
            return GatewayRoutingBridge.RUN_ORIGINAL;
        }
    }

    @Override
    public int twinInFlight(Object router, String group, String deploymentId) {
        RouterTwin twin = twins.get(router);
        try {
            return twin == null || twin.fast == null ? 0 : twin.fast.inFlight(group, deploymentId);
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public boolean twinCoolingDown(Object router, String group, String deploymentId, long nowMillis) {
        RouterTwin twin = twins.get(router);
        try {
            return twin != null && twin.fast != null && twin.fast.isCoolingDown(group, deploymentId, nowMillis);
        } catch (Throwable t) {
            return false;
        }
    }

    /** For tests: the twin of {@code router}, or null. */
    RouterTwin twinOf(Object router) {
        return twins.get(router);
    }
}
