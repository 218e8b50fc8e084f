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
 * A test application that uses the demo gateway's {@code Router} across a change of the routing point's
 * flag within one minute: before the change a deployment with {@code rpm} 4 takes two requests and one
 * failure (allowed_fails 2), and a latency-based group measures a quick and a slow deployment; after it,
 * the group has moved to the other side, which must still count the minute's requests, the failure and the
 * latencies. Prints every answer that does not depend on a random draw on stdout. Usage:
 * {@code MovedStateApp [agent] [from-original]}: with {@code agent}, waits for the point's MXBean first; with
 * {@code from-original}, the point starts off and is turned on, else it starts on and is turned off.
 */
public final class MovedStateApp {

    private MovedStateApp() {
    }

    static Deployment deployment(String group, String id, long rpm) {
        return new Deployment(group, id, "openai", "m", URI.create("http://127.0.0.1:1/v1"), false, null,
                rpm < 0 ? OptionalLong.empty() : OptionalLong.of(rpm), OptionalLong.empty(), OptionalLong.empty(),
                Duration.ofSeconds(30), 10, OptionalInt.empty());
    }

    static String id(Route r) {
        return r == null ? "null" : r.deployment().id();
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        boolean agent = a.contains("agent");
        boolean fromOriginal = a.contains("from-original");
        PointBean point = PointBean.of("gateway.routing", agent);
        Map<String, List<Deployment>> groups = Map.of(
                "solo", List.of(deployment("solo", "s1", 4)),
                "lat", List.of(deployment("lat", "quick", -1), deployment("lat", "slow", -1)),
                "other", List.of(deployment("other", "o1", -1)));
        Router latency = new Router(groups, new RouterSettings(Router.LATENCY_BASED, 0, Map.of(), 2,
                Duration.ofMillis(5_000), Duration.ofSeconds(600)), 42);
        long now = 1_000L * Router.MINUTE_MILLIS;
        // a pick on another group while the point is on makes the twin; after its first second (in which
        // picks look at both sides) the move below is a plain move
        Route warm = latency.pick("other", 10, now);
        System.out.println("warm " + id(warm) + " ended " + latency.onEnd(warm, 200, 5, now));
        if (agent && fromOriginal) {
            point.setFlag("off");
        }
        Thread.sleep(1_200);
        Route first = latency.pick("solo", 100, now + 1);
        Route second = latency.pick("solo", 100, now + 2);
        System.out.println("before: " + id(first) + " " + id(second));
        boolean firstEnded = latency.onEnd(first, 200, 300, now + 3);
        System.out.println("ended " + firstEnded + " " + latency.onEnd(second, 503, 0, now + 4));
        boolean[] measured = new boolean[2];
        long t = now + 10;
        while (!measured[0] || !measured[1]) { // the order of the draws is not printed
            Route r = latency.pick("lat", 1, t);
            boolean quick = id(r).equals("quick");
            measured[quick ? 0 : 1] = true;
            latency.onEnd(r, 200, 1, t + (quick ? 10 : 1_000));
            t += 1_001;
        }
        if (agent) {
            point.setFlag(fromOriginal ? "on" : "off");
        }
        long after = now + 40_000;
        Route third = latency.pick("solo", 100, after);
        System.out.println("third " + id(third) + " ended " + latency.onEnd(third, 500, 0, after + 1));
        System.out.println("cooling after two failures " + latency.isCoolingDown("solo", "s1", after + 2));
        Route fourth = latency.pick("solo", 100, after + 3);
        System.out.println("fourth " + id(fourth) + " ended " + latency.onEnd(fourth, 500, 0, after + 4));
        System.out.println("cooling after three failures " + latency.isCoolingDown("solo", "s1", after + 5));
        System.out.println("fifth " + id(latency.pick("solo", 100, after + 6)));
        System.out.println("retry-after " + latency.retryAfterMillis("solo", 100, after + 6));
        Route late = latency.pick("solo", 100, after + 5_010);
        System.out.println("fifth after the cooldown " + id(late) + " (rpm 4 used)");
        for (int k = 0; k < 5; k++) {
            Route r = latency.pick("lat", 1, after + 100 + k);
            System.out.println("latency pick " + id(r) + " ended " + latency.onEnd(r, 200, 1, after + 110 + k));
        }
        if (agent) {
            System.err.println("point fast=" + point.get("FastCalls"));
        }
    }
}
