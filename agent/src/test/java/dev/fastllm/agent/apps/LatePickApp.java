package dev.fastllm.agent.apps;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.RouterSettings;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A test application that calls the demo gateway's {@code Router} with clock readings out of order, as a
 * gateway thread descheduled between its clock read and its pick makes them: a pick on another group makes
 * the twin, a deployment fails and cools down, a second passes (the twin's first, in which picks look at
 * both sides), the point's flag changes (over the platform MBean server, when the agent registered its point), a
 * pick after the cooldown moves the group to the other side, and then a pick comes whose reading falls
 * inside the cooldown. Prints every answer on stdout. Usage: {@code LatePickApp [agent] [from-original]}:
 * with {@code agent}, waits for the point's MXBean first; with {@code from-original}, the point starts off
 * and is turned on, else it starts on and is turned off.
 */
public final class LatePickApp {

    private LatePickApp() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        boolean agent = a.contains("agent");
        boolean fromOriginal = a.contains("from-original");
        PointBean point = PointBean.of("gateway.routing", agent);
        Deployment d = new Deployment("solo", "s1", "openai", "m", URI.create("http://127.0.0.1:1/v1"), false, null,
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Duration.ofSeconds(30), 10,
                OptionalInt.empty());
        Deployment o = new Deployment("other", "o1", "openai", "m", URI.create("http://127.0.0.1:1/v1"), false, null,
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Duration.ofSeconds(30), 10,
                OptionalInt.empty());
        Router router = new Router(Map.of("solo", List.of(d), "other", List.of(o)), new RouterSettings(
                Router.SIMPLE_SHUFFLE, 0, Map.of(), 0, Duration.ofMillis(5_000), Duration.ofSeconds(600)), 42);
        long now = 1_000L * Router.MINUTE_MILLIS;
        // a pick on another group while the point is on makes the twin; after its first second (in which
        // picks look at both sides, for calls that were inside the original when it was made) the moves
        // below are plain moves
        Route warm = router.pick("other", 10, now);
        System.out.println("warm " + warm + " ended " + router.onEnd(warm, 200, 5, now));
        if (agent && fromOriginal) {
            point.setFlag("off");
        }
        Route failed = router.pick("solo", 10, now);
        System.out.println("first " + failed + " ended " + router.onEnd(failed, 500, 0, now + 1));
        Thread.sleep(1_200);
        if (agent) {
            point.setFlag(fromOriginal ? "on" : "off");
        }
        long after = now + 5_010;
        Route moved = router.pick("solo", 10, after);
        System.out.println("after the cooldown " + moved + " ended " + router.onEnd(moved, 200, 5, after + 1));
        long late = now + 2_000;
        System.out.println("late pick " + router.pick("solo", 10, late));
        System.out.println("late retry-after " + router.retryAfterMillis("solo", 10, late));
        System.out.println("late cooling " + router.isCoolingDown("solo", "s1", late));
        Route next = router.pick("solo", 10, after + 2);
        System.out.println("next " + next + " ended " + router.onEnd(next, 200, 5, after + 3));
        if (agent) {
            System.err.println("point fast=" + point.get("FastCalls"));
        }
    }
}
