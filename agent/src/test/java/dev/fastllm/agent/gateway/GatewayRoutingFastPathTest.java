package dev.fastllm.agent.gateway;

import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast path of gateway.routing driven as the rewritten Router's advice drives it ({@link AdvisedRouter}),
 * against real gateway Routers: the same answers as a plain router wherever the original is deterministic,
 * and the ownership rule's consequences checked exactly on random sequences with failures into cooldown and
 * flag flips.
 */
class GatewayRoutingFastPathTest {

    static final String[] STRATEGIES = {Router.SIMPLE_SHUFFLE, Router.LEAST_BUSY, Router.LATENCY_BASED,
            Router.USAGE_BASED_V2};
    static final int[] STATUSES = {200, 200, 200, 429, 500, 503, 0, 408, 400, 404, Router.CANCELLED};
    static final long[] ESTIMATES = {0, 10, 300, 800};
    static final Flag[] FLAGS = {Flag.ON, Flag.OFF, Flag.canary(50), Flag.canary(20), Flag.ON};
    static final long START = 1_000L * Router.MINUTE_MILLIS + 1234;

    static Point point(String settings) {
        Points points = new Points(Settings.load(settings, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("gateway.routing", Component.ROUTING, Kind.STATEFUL, Flag.ON);
    }

    /** Deterministic groups: one deployment, or a weight-1 deployment with a weight-0 spare (simple-shuffle). */
    static AdvisedRouter.Groups deterministic(String strategy, boolean limits) {
        AdvisedRouter.Groups g = new AdvisedRouter.Groups()
                .add("solo", limits ? "s1:4:900:-1" : "s1:-1:-1:-1")
                .add("solo2", limits ? "s2:-1:500:-1" : "s2:-1:-1:-1");
        if (strategy.equals(Router.SIMPLE_SHUFFLE)) {
            g.add("pair", limits ? "a:3:2000:1" : "a:-1:-1:1", limits ? "b:5:-1:0" : "b:-1:-1:0");
        }
        return g;
    }

    @ParameterizedTest
    @ValueSource(strings = {Router.SIMPLE_SHUFFLE, Router.LEAST_BUSY, Router.LATENCY_BASED, Router.USAGE_BASED_V2})
    void sameAnswersAsThePlainRouterAcrossFlagFlips(String strategy) {
        // without rpm/tpm limits and with allowed_fails 0, in-flight counts and cooldowns are all the state a
        // deterministic group has: every move of an idle group then keeps every answer the same
        for (long seed = 1; seed <= 12; seed++) {
            Point p = point("");
            Run run = new Run(deterministic(strategy, false), strategy, 0, 5_000, seed, p);
            run.drive(1_500, true);
            assertTrue(p.calls(Path.FAST) > 0, "the twin answered picks");
            assertTrue(run.moves >= 2, "groups moved between original and twin: " + run.moves);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {Router.SIMPLE_SHUFFLE, Router.LEAST_BUSY, Router.LATENCY_BASED, Router.USAGE_BASED_V2})
    void sameAnswersWithLimitsAndFailureWindowsAcrossFlagFlips(String strategy) {
        // rpm and tpm per minute, and failure windows below allowed_fails: a move hands the minute's usage and
        // the windows to the new owner, so every answer stays the plain router's across the moves
        int moves = 0;
        for (long seed = 1; seed <= 12; seed++) {
            Point p = point("");
            Run run = new Run(deterministic(strategy, true), strategy, 2, 5_000, seed, p);
            run.drive(1_500, true);
            assertTrue(p.calls(Path.FAST) > 0, "the twin answered picks");
            moves += run.moves;
        }
        assertTrue(moves >= 24, "groups moved between original and twin: " + moves);
    }

    @ParameterizedTest
    @ValueSource(strings = {Router.SIMPLE_SHUFFLE, Router.LEAST_BUSY, Router.LATENCY_BASED, Router.USAGE_BASED_V2})
    void sameAnswersWithLimitsAndFailureWindowsWhileOn(String strategy) {
        for (long seed = 1; seed <= 12; seed++) {
            Point p = point("");
            Run run = new Run(deterministic(strategy, true), strategy, 2, 5_000, seed, p);
            run.drive(1_500, false);
            assertTrue(p.calls(Path.FAST) > 0);
            assertEquals(0, p.calls(Path.ORIGINAL));
        }
    }

    @Test
    void randomStrategiesKeepOwnershipExact() {
        for (String strategy : STRATEGIES) {
            int moves = 0;
            for (long seed = 1; seed <= 6; seed++) {
                Point p = point("");
                Invariants inv = new Invariants(strategy, seed, p);
                inv.drive(2_000);
                assertEquals(0, inv.strayPicks, "no pick lands outside the owner without a fault");
                assertEquals(0, inv.picksWhileCooling, "a cooling deployment is never picked");
                moves += inv.moves;
            }
            assertTrue(moves >= 4, strategy + " moves " + moves);
        }
    }

    @Test
    void faultsRunTheOriginalAndEveryRouteEndsWhereItWasPicked() {
        long errors = 0;
        for (String strategy : STRATEGIES) {
            for (long seed = 1; seed <= 6; seed++) {
                Point p = point("faults=gateway.routing:0.1,breaker.failures=1000000");
                Invariants inv = new Invariants(strategy, seed, p);
                inv.drive(2_000);
                // the bound: a pick lands outside the owner only on a fault (the original answers that call),
                // and a cooling deployment is picked only while state sits on both sides
                assertTrue(inv.strayPicks <= p.errors(), inv.strayPicks + " stray picks, " + p.errors() + " faults");
                assertEquals(0, inv.picksWhileCoolingWithoutSplit);
                errors += p.errors();
            }
        }
        assertTrue(errors > 100, "faults were injected: " + errors);
    }

    /** One plain router and one advised router with the same seed, fed the same random operations. */
    static final class Run {
        final Router plain;
        final AdvisedRouter advised;
        final Point point;
        final List<String> groups;
        final Map<String, List<Deployment>> deployments;
        final SplittableRandom random;
        final List<Route[]> open = new ArrayList<>();
        final List<Route[]> ended = new ArrayList<>();
        final Map<String, Integer> owners = new HashMap<>();
        long now = START;
        int moves;

        Run(AdvisedRouter.Groups g, String strategy, int allowedFails, long cooldown, long seed, Point point) {
            this.plain = g.router(strategy, allowedFails, cooldown, seed);
            this.advised = new AdvisedRouter(g, g.router(strategy, allowedFails, cooldown, seed),
                    new GatewayRoutingFastPath(point, 0));
            this.point = point;
            this.groups = new ArrayList<>(g.groups.keySet());
            this.deployments = g.groups;
            this.random = new SplittableRandom(seed * 7919);
        }

        void drive(int ops, boolean flips) {
            for (int op = 0; op < ops; op++) {
                now += random.nextInt(5) == 0 ? random.nextInt(9_000) : random.nextInt(400);
                String g = groups.get(random.nextInt(groups.size()));
                int k = random.nextInt(100);
                String at = "op " + op + " at " + now + " in " + g;
                if (flips && k < 5) {
                    point.setFlag(FLAGS[random.nextInt(FLAGS.length)], "test");
                } else if (k < 40) {
                    long est = ESTIMATES[random.nextInt(ESTIMATES.length)];
                    Route a = plain.pick(g, est, now);
                    Route b = advised.pick(g, est, now);
                    assertSameRoute(a, b, at);
                    if (a != null) {
                        open.add(new Route[] {a, b});
                    }
                } else if (k < 75 && !open.isEmpty()) {
                    Route[] r = open.remove(random.nextInt(open.size()));
                    int status = STATUSES[random.nextInt(STATUSES.length)];
                    long tokens = random.nextInt(1_200);
                    assertEquals(plain.onEnd(r[0], status, tokens, now), advised.onEnd(r[1], status, tokens, now), at);
                    ended.add(r);
                } else if (k < 80 && !ended.isEmpty()) {
                    Route[] r = ended.get(random.nextInt(ended.size()));
                    assertFalse(advised.onEnd(r[1], 200, 5, now), at + ": a second end");
                    assertFalse(plain.onEnd(r[0], 200, 5, now));
                } else if (k < 88) {
                    long est = ESTIMATES[random.nextInt(ESTIMATES.length)];
                    assertEquals(plain.retryAfterMillis(g, est, now), advised.retryAfterMillis(g, est, now), at);
                } else {
                    for (Deployment d : deployments.get(g)) {
                        assertEquals(plain.inFlight(g, d.id()), advised.inFlight(g, d.id()), at + " inFlight");
                        assertEquals(plain.isCoolingDown(g, d.id(), now), advised.isCoolingDown(g, d.id(), now), at);
                    }
                }
                checkOwnership(at);
            }
            for (Route[] r : open) {
                assertEquals(plain.onEnd(r[0], 200, 1, now), advised.onEnd(r[1], 200, 1, now));
            }
            for (String g : groups) {
                for (Deployment d : deployments.get(g)) {
                    assertEquals(0, advised.inFlight(g, d.id()));
                }
                GroupSlot s = advised.slot(g);
                assertTrue(s == null || s.twinOpen() == 0);
            }
        }

        void checkOwnership(String at) {
            for (String g : groups) {
                assertFalse(advised.twinLive(g, now) && advised.originalLive(g, now), at + ": " + g + " split");
                GroupSlot s = advised.slot(g);
                if (s != null) {
                    Integer before = owners.put(g, s.owner());
                    if (before != null && before != s.owner()) {
                        moves++;
                    }
                }
            }
        }

        static void assertSameRoute(Route a, Route b, String at) {
            if (a == null) {
                assertNull(b, at);
                return;
            }
            assertNotNull(b, at);
            assertEquals(a.deployment().id(), b.deployment().id(), at);
            assertEquals(a.startedAtMillis(), b.startedAtMillis(), at);
            assertEquals(a.reservedTokens(), b.reservedTokens(), at);
        }
    }

    /**
     * Multi-deployment groups, every strategy, an unseeded twin: no plain router to compare with, so the
     * invariants are checked instead, exactly, after every operation.
     */
    static final class Invariants {
        final AdvisedRouter advised;
        final Point point;
        final AdvisedRouter.Groups groups = new AdvisedRouter.Groups()
                .add("g4", "a:40:-1:1", "b:-1:6000:3", "c:25:-1:0", "d:-1:-1:2")
                .add("g2", "x:-1:-1:-1", "y:12:4000:-1");
        final SplittableRandom random;
        final List<Route> open = new ArrayList<>();
        final Map<String, Integer> openPer = new HashMap<>();
        final Map<String, Long> minuteRequests = new HashMap<>();
        final Map<String, Integer> straysInMinute = new HashMap<>();
        final Map<String, Integer> owners = new HashMap<>();
        long now = START;
        int moves;
        int strayPicks;
        int picksWhileCooling;
        int picksWhileCoolingWithoutSplit;

        Invariants(String strategy, long seed, Point point) {
            this.point = point;
            this.advised = new AdvisedRouter(groups, groups.router(strategy, 1, 3_000, seed),
                    new GatewayRoutingFastPath(point, 0));
            this.random = new SplittableRandom(seed * 31 + strategy.hashCode());
        }

        void drive(int ops) {
            List<String> names = new ArrayList<>(groups.groups.keySet());
            for (int op = 0; op < ops; op++) {
                long minuteBefore = Math.floorDiv(now, Router.MINUTE_MILLIS);
                now += random.nextInt(6) == 0 ? random.nextInt(7_000) : random.nextInt(300);
                if (Math.floorDiv(now, Router.MINUTE_MILLIS) != minuteBefore) {
                    minuteRequests.clear();
                    straysInMinute.clear();
                }
                String g = names.get(random.nextInt(names.size()));
                int k = random.nextInt(100);
                String at = "op " + op + " at " + now + " in " + g;
                if (k < 4) {
                    point.setFlag(FLAGS[random.nextInt(FLAGS.length)], "test");
                } else if (k < 50) {
                    pick(g, at);
                } else if (k < 90 && !open.isEmpty()) {
                    Route r = open.remove(random.nextInt(open.size()));
                    openPer.merge(r.deployment().id(), -1, Integer::sum);
                    assertTrue(advised.onEnd(r, STATUSES[random.nextInt(STATUSES.length)], random.nextInt(900), now));
                    assertFalse(advised.onEnd(r, 200, 1, now), at + ": a second end");
                } else {
                    advised.retryAfterMillis(g, ESTIMATES[random.nextInt(ESTIMATES.length)], now);
                }
                for (String name : names) {
                    for (Deployment d : groups.groups.get(name)) {
                        assertEquals(openPer.getOrDefault(d.id(), 0), advised.inFlight(name, d.id()),
                                at + ": in flight on " + d.id());
                    }
                    trackOwner(name);
                }
            }
            for (Route r : open) {
                assertTrue(advised.onEnd(r, 200, 1, now));
            }
            long later = now + 10_000; // every cooldown over
            for (String name : names) {
                for (Deployment d : groups.groups.get(name)) {
                    assertEquals(0, advised.router.inFlight(name, d.id()), "original in flight");
                    assertEquals(0, advised.fast.twinInFlight(advised.router, name, d.id()), "twin in flight");
                }
                assertFalse(advised.twinLive(name, later));
                assertFalse(advised.originalLive(name, later));
                GroupSlot s = advised.slot(name);
                assertTrue(s == null || s.twinOpen() == 0);
            }
        }

        private void pick(String g, String at) {
            Map<String, Boolean> cooling = new HashMap<>();
            for (Deployment d : groups.groups.get(g)) {
                cooling.put(d.id(), advised.isCoolingDown(g, d.id(), now));
            }
            boolean split = advised.twinLive(g, now) && advised.originalLive(g, now);
            Route r = advised.pick(g, ESTIMATES[random.nextInt(ESTIMATES.length)], now);
            if (r == null) {
                return;
            }
            String id = r.deployment().id();
            open.add(r);
            openPer.merge(id, 1, Integer::sum);
            GroupSlot s = advised.slot(g);
            boolean twinRoute = advised.isTwinRoute(r);
            if (s != null && !twinRoute && s.owner() == GroupSlot.TWIN) {
                strayPicks++;
                straysInMinute.merge(g, 1, Integer::sum);
            }
            if (cooling.get(id)) {
                picksWhileCooling++;
                if (!split && !(advised.twinLive(g, now) && advised.originalLive(g, now))) {
                    picksWhileCoolingWithoutSplit++;
                }
            }
            // rpm: a move hands the minute's usage to the new owner, so a deployment's requests in a minute
            // stay within rpm, plus the picks a fault sent to the original while the twin owned the group (the
            // twin did not see those)
            trackOwner(g);
            long used = minuteRequests.merge(id, 1L, Long::sum);
            Deployment d = groups.groups.get(g).stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
            if (d.rpm().isPresent()) {
                long bound = d.rpm().getAsLong() + straysInMinute.getOrDefault(g, 0);
                assertTrue(used <= bound, at + ": " + used + " requests on " + id + " > " + bound);
            }
        }

        private void trackOwner(String g) {
            GroupSlot s = advised.slot(g);
            if (s != null) {
                Integer before = owners.put(g, s.owner());
                if ((before == null ? GroupSlot.ORIGINAL : before) != s.owner()) { // a twin starts with the original
                    moves++;
                }
            }
        }
    }
}
