package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.RouterSettings;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A real gateway {@link Router} called as the rewritten one is: each method does what
 * {@link GatewayRoutingInstrumentation}'s advice does around the original body, with the fast path as the
 * bridge's handle. Also builds routers from a compact description.
 */
final class AdvisedRouter {

    final Router router;
    final GatewayRoutingFastPath fast;
    final Map<String, List<Deployment>> groups;

    AdvisedRouter(Groups groups, Router router, GatewayRoutingFastPath fast) {
        this.router = router;
        this.fast = fast;
        this.groups = groups.groups;
    }

    Route pick(String group, long tokens, long now) {
        Object call = fast.pick(router, group, tokens, now);
        if (GatewayRoutingBridge.answered(call)) {
            return (Route) GatewayRoutingBridge.pickExit(call, null);
        }
        Route r = null;
        try {
            r = router.pick(group, tokens, now);
        } finally {
            r = (Route) GatewayRoutingBridge.pickExit(call, r);
        }
        return r;
    }

    boolean onEnd(Route route, int status, long tokens, long now) {
        int state = fast.end(router, route, route.deployment().group(), status, tokens, now);
        boolean original = state == GatewayRoutingBridge.END_ORIGINAL && router.onEnd(route, status, tokens, now);
        return GatewayRoutingBridge.endExit(state, original);
    }

    long retryAfterMillis(String group, long tokens, long now) {
        long a = fast.retryAfter(router, group, tokens, now);
        return GatewayRoutingBridge.retryAfterExit(a, a == GatewayRoutingBridge.RUN_ORIGINAL
                ? router.retryAfterMillis(group, tokens, now) : 0);
    }

    int inFlight(String group, String id) {
        return router.inFlight(group, id) + fast.twinInFlight(router, group, id);
    }

    boolean isCoolingDown(String group, String id, long now) {
        return router.isCoolingDown(group, id, now) || fast.twinCoolingDown(router, group, id, now);
    }

    /** True when the twin made {@code route}. */
    boolean isTwinRoute(Route route) {
        RouterTwin t = fast.twinOf(router);
        GroupSlot s = slot(route.deployment().group());
        try {
            return s != null && t.isTwinRoute(s, route);
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    GroupSlot slot(String group) {
        RouterTwin t = fast.twinOf(router);
        return t == null ? null : t.slot(group);
    }

    /** The twin's own state: open routes or cooldowns (false before a twin exists). */
    boolean twinLive(String group, long now) {
        GroupSlot s = slot(group);
        return s != null && s.twinLive(fast.twinOf(router).fast, now);
    }

    /** The original's own state: in flight or cooling down, read under its monitor. */
    boolean originalLive(String group, long now) {
        GroupSlot s = slot(group);
        if (s != null) {
            return s.originalLive(now);
        }
        for (Deployment d : groups.get(group)) {
            if (router.inFlight(group, d.id()) != 0 || router.isCoolingDown(group, d.id(), now)) {
                return true;
            }
        }
        return false;
    }

    /** Groups for the tests: name -> deployments, each "id:rpm:tpm:weight" with -1 for unset. */
    static final class Groups {
        final Map<String, List<Deployment>> groups = new LinkedHashMap<>();

        Groups add(String group, String... deployments) {
            List<Deployment> list = new ArrayList<>();
            for (String d : deployments) {
                String[] p = d.split(":");
                list.add(new Deployment(group, p[0], "openai", "m", URI.create("http://127.0.0.1:1/v1"), false, null,
                        opt(p[1]), opt(p[2]), opt(p[3]), Duration.ofSeconds(30), 10, OptionalInt.empty()));
            }
            groups.put(group, list);
            return this;
        }

        Router router(String strategy, int allowedFails, long cooldownMillis, long seed) {
            return new Router(groups, new RouterSettings(strategy, 0, Map.of(), allowedFails,
                    Duration.ofMillis(cooldownMillis), Duration.ofSeconds(600)), seed);
        }

        private static OptionalLong opt(String v) {
            long n = Long.parseLong(v);
            return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
        }
    }
}
