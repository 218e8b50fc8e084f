package dev.fastllm.agent.gateway;

import dev.fastllm.core.routing.Claim;
import dev.fastllm.core.routing.FastRouter;

import java.util.HashMap;
import java.util.Map;

/**
 * The twin of one gateway {@code Router} instance: accel-core's {@link FastRouter} built from the same
 * groups, deployments and settings, read once from the original's fields when the twin is made, and one
 * {@link GroupSlot} per group (who owns it, the twin's open routes). Holds no strong reference to the router
 * (its per-group state objects refer to it, so they are held weakly). The twin draws from each thread's own random source
 * (never seeded).
 *
 * <p>A router the twin cannot mirror exactly (a limit beyond accel-core's bounds, more than 64 deployments
 * in a group, an unexpected class shape) gets a twin without groups: every call of that router runs the
 * original, and {@link #unsupported} says why.
 */
final class RouterTwin {

    final FastRouter fast;
    final RouterShape shape;
    private final Map<String, GroupSlot> slots;
    final String unsupported;

    private RouterTwin(FastRouter fast, RouterShape shape, Map<String, GroupSlot> slots, String unsupported) {
        this.fast = fast;
        this.shape = shape;
        this.slots = slots;
        this.unsupported = unsupported;
    }

    /**
     * The twin of {@code router}; never throws (a router it cannot mirror gets an empty twin).
     *
     * @param graceNanos how long after this its groups' picks also look at the original ({@link GroupSlot})
     */
    static RouterTwin of(Object router, long graceNanos) {
        try {
            RouterShape shape = RouterShape.of(router);
            FastRouter.Builder b = FastRouter.builder(shape.strategy(router), shape.allowedFails(router),
                    shape.cooldownMillis(router));
            Map<String, GroupSlot> slots = new HashMap<>();
            for (Map.Entry<String, Object> e : shape.groups(router).entrySet()) {
                Object state = e.getValue();
                Object[] deployments = shape.deployments(state);
                int n = deployments.length;
                String[] ids = new String[n];
                long[] rpm = new long[n];
                long[] tpm = new long[n];
                long[] weight = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = shape.id(deployments[i]);
                    long[] l = shape.limits(deployments[i]);
                    rpm[i] = l[0];
                    tpm[i] = l[1];
                    weight[i] = l[2];
                }
                b.group(e.getKey(), ids, rpm, tpm, weight);
                slots.put(e.getKey(), new GroupSlot(e.getKey(), deployments.clone(), ids, state,
                        shape.state(state), shape.allowedFails(router), graceNanos));
            }
            return new RouterTwin(b.build(), shape, slots, null);
        } catch (Throwable t) {
            return new RouterTwin(null, null, Map.of(), String.valueOf(t));
        }
    }

    /** The group's slot; null for a group the router does not have, or when the twin is unsupported. */
    GroupSlot slot(String group) {
        return slots.get(group);
    }

    /**
     * The gateway's Route for a twin claim. The caller counts it in the slot ({@link GroupSlot#twinPicked}
     * holding the group, or before it looked, {@link GroupSlot#enterTwinOpen}).
     */
    Object route(Object router, GroupSlot slot, Claim claim) throws Throwable {
        int i = claim.deployment();
        return shape.newRoute(slot.deployments[i], claim.startedAtMillis(), claim.reservedTokens(),
                slot.marker(router, shape), i);
    }

    /** True when {@code route} (of this router) was made by the twin. */
    boolean isTwinRoute(GroupSlot slot, Object route) throws Throwable {
        return slot.isTwinGroup(shape.routeGroup(route));
    }
}
