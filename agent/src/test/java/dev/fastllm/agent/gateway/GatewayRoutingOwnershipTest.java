package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ownership rule of gateway.routing in the situations the documentation bounds: a point off from the
 * start, a call already inside the original when the twin is made, a fault in the middle of a busy group,
 * concurrent picks and ends while the flag flips, and the twin's random choices against the weights.
 */
class GatewayRoutingOwnershipTest {

    static final long NOW = 1_000L * Router.MINUTE_MILLIS;

    static AdvisedRouter advised(AdvisedRouter.Groups g, String strategy, int allowedFails, long cooldown, Point p,
                                 long graceNanos) {
        return new AdvisedRouter(g, g.router(strategy, allowedFails, cooldown, 42), new GatewayRoutingFastPath(p,
                graceNanos));
    }

    @Test
    void offFromTheStartMakesNoTwinAndRunsTheOriginal() {
        Point p = GatewayRoutingFastPathTest.point("gateway.routing=off");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 1_000, p, 0);
        Route r = a.pick("solo", 10, NOW);
        assertNotNull(r);
        assertNull(a.fast.twinOf(a.router), "no twin while the point is off");
        assertEquals(1, a.router.inFlight("solo", "s1"));
        assertTrue(a.onEnd(r, 200, 5, NOW + 5));
        assertNull(a.fast.twinOf(a.router));
        assertEquals(0, p.calls(Path.FAST));
    }

    @Test
    void aPickOfTheOriginalRunningWhenTheTwinIsMadeIsBoundedAndEndsInTheOriginal() {
        Point p = GatewayRoutingFastPathTest.point("gateway.routing=off");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        // no grace: the bound itself, as for a call delayed past the grace period
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 5_000, p, 0);
        Object call = a.fast.pick(a.router, "solo", 10, NOW); // this call decided "original" and is about to pick
        assertNull(call);
        p.setFlag(Flag.ON, "test");
        Route twinRoute = a.pick("solo", 10, NOW); // the twin is made; the group is idle: it moves to the twin
        assertTrue(a.isTwinRoute(twinRoute));
        Route stray = a.router.pick("solo", 10, NOW); // the earlier call's original body now runs
        // what it can do: one route on the original while the twin owns the group; both sides are live
        assertTrue(a.twinLive("solo", NOW) && a.originalLive("solo", NOW));
        assertEquals(2, a.inFlight("solo", "s1"), "in flight is still exact: original plus twin");
        // its failure cools the deployment down in the original only: combined queries see it...
        assertTrue(a.onEnd(stray, 500, 0, NOW + 1));
        assertTrue(a.isCoolingDown("solo", "s1", NOW + 2));
        // ...but the twin, which still owns the group and has a route open, does not: this pick is the bound
        Route second = a.pick("solo", 10, NOW + 2);
        assertTrue(a.isTwinRoute(second), "the twin picks the deployment the original cooled down");
        // once the twin's routes end, the group follows the live state: back to the original, cooldown kept
        assertTrue(a.onEnd(twinRoute, 200, 5, NOW + 3));
        assertTrue(a.onEnd(second, 200, 5, NOW + 3));
        a.slot("solo").strayed(); // what the grace period does for calls inside the original when a twin is made
        assertNull(a.pick("solo", 10, NOW + 4), "the original's cooldown is honoured");
        assertEquals(GroupSlot.ORIGINAL, a.slot("solo").owner());
        assertEquals(0, a.inFlight("solo", "s1"));
    }

    @Test
    void theGracePeriodHonoursAnOriginalCooldownLeftByACallInsideTheOriginal() {
        Point p = GatewayRoutingFastPathTest.point("gateway.routing=off");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 5_000, p, TimeUnit.SECONDS.toNanos(60));
        assertNull(a.fast.pick(a.router, "solo", 10, NOW));
        p.setFlag(Flag.ON, "test");
        Route twinRoute = a.pick("solo", 10, NOW);
        Route stray = a.router.pick("solo", 10, NOW);
        assertTrue(a.onEnd(stray, 500, 0, NOW + 1));
        assertTrue(a.onEnd(twinRoute, 200, 0, NOW + 1));
        // within the grace period the next pick looks at both sides: the twin is idle, the original cooling
        assertNull(a.pick("solo", 10, NOW + 2));
        assertEquals(GroupSlot.ORIGINAL, a.slot("solo").owner());
        assertEquals(a.router.retryAfterMillis("solo", 10, NOW + 2), a.retryAfterMillis("solo", 10, NOW + 2));
    }

    /**
     * Latency-based routing chooses by each deployment's last ten latencies: a move hands them to the new
     * owner (with the minute's usage and the failure windows), so the choice a plain router makes survives
     * the move in both directions. Before, the twin started unmeasured and chose either deployment.
     */
    @Test
    void latencySamplesMoveWithTheGroupBothWays() {
        Point p = GatewayRoutingFastPathTest.point("gateway.routing=off");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("lat", "quick:-1:-1:-1", "slow:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.LATENCY_BASED, 0, 5_000, p, 0);
        long now = NOW;
        // in the original, quick answers in 10 ms and slow in 1 000, until both are measured
        boolean[] measured = new boolean[2];
        while (!measured[0] || !measured[1]) {
            Route r = a.pick("lat", 1, now);
            boolean quick = r.deployment().id().equals("quick");
            measured[quick ? 0 : 1] = true;
            assertTrue(a.onEnd(r, 200, 1, now + (quick ? 10 : 1_000)));
            now += 2_000;
        }
        p.setFlag(Flag.ON, "test");
        for (int k = 0; k < 20; k++, now += 100) {
            Route r = a.pick("lat", 1, now);
            assertTrue(a.isTwinRoute(r), "the group moved to the twin");
            assertEquals("quick", r.deployment().id(), "the twin knows the original's latencies: pick " + k);
            assertTrue(a.onEnd(r, 200, 1, now + 10));
        }
        // one answer of quick's takes 100 s: its ten samples now average 10 009 ms, and slow is the faster one
        Route r = a.pick("lat", 1, now);
        assertEquals("quick", r.deployment().id());
        assertTrue(a.onEnd(r, 200, 1, now + 100_000));
        now += 100_000;
        p.setFlag(Flag.OFF, "test");
        Route back = a.pick("lat", 1, now);
        assertFalse(a.isTwinRoute(back), "the group moved back to the original");
        assertEquals("slow", back.deployment().id(), "the original knows the twin's latencies");
        assertTrue(a.onEnd(back, 200, 1, now + 1_000));
        assertEquals(GroupSlot.ORIGINAL, a.slot("lat").owner());
    }

    /**
     * The gateway reads its clock, then picks, so a thread descheduled between the two picks with a reading
     * older than picks already answered. A group moves only when its owner is idle at the moving pick's
     * reading, but a cooldown that ended before that reading may still run at a late pick's: the old owner
     * carries its cooldowns over to the new one as the group moves, so the late pick skips the deployment,
     * as one plain router does. Both directions, one deployment (a late pick must then find nothing).
     */
    @Test
    void aLatePickAfterAMoveHonoursACooldownTheOldOwnerHeld() {
        for (boolean fromTwin : new boolean[] {true, false}) {
            Point p = GatewayRoutingFastPathTest.point(fromTwin ? "" : "gateway.routing=off");
            AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
            AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 5_000, p, 0);
            Router plain = g.router(Router.SIMPLE_SHUFFLE, 0, 5_000, 42);
            if (!fromTwin) {
                a.fast.pick(a.router, "solo", 10, NOW); // off: nothing, not even a twin (a pick makes one once on)
                p.setFlag(Flag.ON, "test");
                p.setFlag(Flag.OFF, "test");
            }
            String where = fromTwin ? "twin to original" : "original to twin";
            Route failed = a.pick("solo", 10, NOW);
            assertEquals(fromTwin, a.isTwinRoute(failed), where);
            assertTrue(a.onEnd(failed, 500, 0, NOW + 1));
            assertTrue(plain.onEnd(plain.pick("solo", 10, NOW), 500, 0, NOW + 1)); // s1 cools until NOW + 5 001
            p.setFlag(fromTwin ? Flag.OFF : Flag.ON, "test");
            long after = NOW + 5_010;
            Route moved = a.pick("solo", 10, after);
            assertNotNull(moved, where);
            assertEquals(!fromTwin, a.isTwinRoute(moved), where + ": the group moved");
            assertTrue(a.onEnd(moved, 200, 5, after + 1));
            assertTrue(plain.onEnd(plain.pick("solo", 10, after), 200, 5, after + 1));
            long late = NOW + 2_000; // read before the cooldown ended, arriving after the move
            assertNull(plain.pick("solo", 10, late));
            assertNull(a.pick("solo", 10, late), where + ": the late pick skips the cooling deployment");
            assertEquals(plain.retryAfterMillis("solo", 10, late), a.retryAfterMillis("solo", 10, late), where);
            assertTrue(a.isCoolingDown("solo", "s1", late), where);
            assertFalse(a.isCoolingDown("solo", "s1", after), where);
            Route next = a.pick("solo", 10, after + 2);
            assertNotNull(next, where + ": a pick in order is not held back");
            assertEquals(!fromTwin, a.isTwinRoute(next), where);
            assertTrue(a.onEnd(next, 200, 5, after + 3));
        }
    }

    /**
     * The steady twin pick takes no hold: it counts itself as an open twin route before it looks, so a settle
     * meanwhile finds the twin live and leaves the group there; once the count is taken back and the twin's
     * routes end, the group moves as before, and the steady path is then closed.
     */
    @Test
    void aSteadyTwinPickInProgressKeepsTheGroupFromMoving() {
        Point p = GatewayRoutingFastPathTest.point("");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 5_000, p, 0);
        Route first = a.pick("solo", 10, NOW);
        assertTrue(a.isTwinRoute(first));
        assertTrue(a.onEnd(first, 200, 5, NOW + 1));
        GroupSlot slot = a.slot("solo");
        assertEquals(0, slot.twinOpen());
        assertTrue(slot.enterTwinOpen(), "the twin owns an idle group and nothing sits elsewhere: no hold");
        assertEquals(1, slot.twinOpen(), "the pick in progress counts as an open twin route");
        p.setFlag(Flag.OFF, "test");
        Route r = a.pick("solo", 10, NOW + 2); // decided "original": the settle finds the twin live
        assertTrue(a.isTwinRoute(r), "the group stays with the twin while a pick is counted there");
        assertEquals(GroupSlot.TWIN, slot.owner());
        slot.twinEnded(); // the pick in progress found no deployment
        assertTrue(a.onEnd(r, 200, 5, NOW + 3));
        Route back = a.pick("solo", 10, NOW + 4);
        assertNotNull(back);
        assertFalse(a.isTwinRoute(back), "idle on both sides: the decision moves the group");
        assertEquals(GroupSlot.ORIGINAL, slot.owner());
        assertFalse(slot.enterTwinOpen(), "no steady twin path while the original owns the group");
        assertEquals(0, slot.twinOpen());
        assertTrue(a.onEnd(back, 200, 5, NOW + 5));
        assertEquals(0, a.inFlight("solo", "s1"));
    }

    @Test
    void aFaultInABusyTwinGroupSendsThatPickToTheOriginalAndItEndsThere() {
        Point p = GatewayRoutingFastPathTest.point("breaker.failures=1000000");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.LEAST_BUSY, 0, 5_000, p, 0);
        Route twinRoute = a.pick("solo", 10, NOW);
        assertTrue(a.isTwinRoute(twinRoute));
        p.setFaultRate(1);
        Route stray = a.pick("solo", 10, NOW); // the twin's pick throws: the original answers this call
        p.setFaultRate(0);
        assertNotNull(stray);
        assertFalse(a.isTwinRoute(stray));
        assertEquals(1, p.errors());
        assertEquals(1, p.calls(Path.FALLBACK));
        assertEquals(GroupSlot.TWIN, a.slot("solo").owner(), "the twin keeps its busy group");
        assertEquals(1, a.router.inFlight("solo", "s1"));
        assertEquals(2, a.inFlight("solo", "s1"));
        // each route ends where it was picked
        assertTrue(a.onEnd(stray, 503, 0, NOW + 1));
        assertEquals(0, a.router.inFlight("solo", "s1"));
        assertTrue(a.router.isCoolingDown("solo", "s1", NOW + 1), "the failure cooled the original's deployment");
        assertTrue(a.onEnd(twinRoute, 200, 5, NOW + 1));
        assertEquals(0, a.inFlight("solo", "s1"));
        // the stray cooldown is not forgotten: the group follows it to the original until it is over
        assertNull(a.pick("solo", 10, NOW + 2));
        assertEquals(GroupSlot.ORIGINAL, a.slot("solo").owner());
        Route after = a.pick("solo", 10, NOW + 5_001);
        assertTrue(a.isTwinRoute(after), "idle again: back to the twin");
        assertTrue(a.onEnd(after, 200, 5, NOW + 5_002));
    }

    @Test
    void concurrentPicksAndEndsWhileTheFlagFlipsLoseNothing() throws Exception {
        Point p = GatewayRoutingFastPathTest.point("faults=gateway.routing:0.05,breaker.failures=1000000");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups()
                .add("g4", "a:-1:-1:1", "b:-1:-1:2", "c:-1:-1:1", "d:-1:-1:3")
                .add("g1", "s:-1:-1:-1");
        for (String strategy : GatewayRoutingFastPathTest.STRATEGIES) {
            AdvisedRouter a = advised(g, strategy, 2, 20, p, 0);
            List<Deployment> all = new ArrayList<>(g.groups.get("g4"));
            all.addAll(g.groups.get("g1"));
            AtomicIntegerArray open = new AtomicIntegerArray(all.size());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int threads = 4;
            CountDownLatch done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    try {
                        ThreadLocalRandom r = ThreadLocalRandom.current();
                        List<Route> mine = new ArrayList<>();
                        for (int i = 0; i < 6_000; i++) {
                            String group = r.nextInt(4) == 0 ? "g1" : "g4";
                            long now = System.currentTimeMillis();
                            Route route = a.pick(group, r.nextInt(100), now);
                            if (route != null) {
                                open.incrementAndGet(indexOf(all, route.deployment()));
                                mine.add(route);
                            }
                            while (mine.size() > r.nextInt(4)) {
                                Route e = mine.remove(r.nextInt(mine.size()));
                                int status = GatewayRoutingFastPathTest.STATUSES[r.nextInt(GatewayRoutingFastPathTest.STATUSES.length)];
                                if (!a.onEnd(e, status, r.nextInt(50), System.currentTimeMillis())) {
                                    throw new AssertionError("an end was lost: " + e);
                                }
                                if (open.decrementAndGet(indexOf(all, e.deployment())) < 0) {
                                    throw new AssertionError("ended more than picked");
                                }
                            }
                        }
                        for (Route e : mine) {
                            assertTrue(a.onEnd(e, 200, 1, System.currentTimeMillis()));
                            open.decrementAndGet(indexOf(all, e.deployment()));
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    } finally {
                        done.countDown();
                    }
                });
                th.start();
            }
            Thread flipper = new Thread(() -> {
                Flag[] flags = {Flag.OFF, Flag.ON, Flag.canary(50), Flag.ON, Flag.canary(10)};
                for (int i = 0; !stop.get(); i++) {
                    p.setFlag(flags[i % flags.length], "test");
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            flipper.start();
            assertTrue(done.await(40, TimeUnit.SECONDS), "no deadlock");
            stop.set(true);
            flipper.join();
            if (failure.get() != null) {
                throw new AssertionError(strategy, failure.get());
            }
            for (int i = 0; i < all.size(); i++) {
                Deployment d = all.get(i);
                assertEquals(0, open.get(i));
                assertEquals(0, a.router.inFlight(d.group(), d.id()), strategy + ": original in flight " + d.id());
                assertEquals(0, a.fast.twinInFlight(a.router, d.group(), d.id()), strategy + ": twin in flight");
            }
            for (String group : g.groups.keySet()) {
                GroupSlot s = a.slot(group);
                assertTrue(s == null || s.twinOpen() == 0);
                assertFalse(a.twinLive(group, System.currentTimeMillis() + 1_000));
            }
        }
        assertTrue(p.calls(Path.FAST) > 1_000, "fast picks: " + p.calls(Path.FAST));
        assertTrue(p.errors() > 10, "faults: " + p.errors());
    }

    @Test
    void theUnseededTwinDrawsByTheWeights() {
        Point p = GatewayRoutingFastPathTest.point("");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("w", "a:-1:-1:1", "b:-1:-1:2", "c:-1:-1:5", "z:-1:-1:0");
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 1_000, p, 0);
        int n = 16_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            Route r = a.pick("w", 1, NOW + i);
            assertTrue(a.isTwinRoute(r), "the twin owns the group");
            counts[indexOf(g.groups.get("w"), r.deployment())]++;
            assertTrue(a.onEnd(r, 200, 1, NOW + i));
        }
        double[] expected = {n / 8.0, n * 2 / 8.0, n * 5 / 8.0};
        double chi2 = 0;
        for (int i = 0; i < 3; i++) {
            chi2 += Math.pow(counts[i] - expected[i], 2) / expected[i];
        }
        assertEquals(0, counts[3], "a weight-0 deployment is never chosen while others are available");
        assertTrue(chi2 < 32.2, "chi-square with 2 degrees of freedom at p = 1e-7: " + chi2); // stays random
    }

    @Test
    void aSecondEndOfATwinRouteIsFalseEvenThroughTheOriginal() {
        Point p = GatewayRoutingFastPathTest.point("");
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        AdvisedRouter a = advised(g, Router.SIMPLE_SHUFFLE, 0, 1_000, p, 0);
        Route r = a.pick("solo", 10, NOW);
        Route other = a.pick("solo", 10, NOW);
        assertTrue(a.onEnd(r, 200, 5, NOW));
        assertEquals(GatewayRoutingBridge.END_FALSE, a.fast.end(a.router, r, "solo", 200, 5, NOW));
        // should the original's body be reached with a twin route (a Throwable while telling routes apart), it
        // finds the route ended and its marker group, not the original's: it touches nothing
        assertFalse(a.router.onEnd(r, 500, 5, NOW));
        assertEquals(1, a.inFlight("solo", "s1"));
        assertFalse(a.isCoolingDown("solo", "s1", NOW));
        assertSame(r.deployment(), other.deployment());
        assertTrue(a.onEnd(other, 200, 5, NOW));
    }

    static int indexOf(List<Deployment> list, Deployment d) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == d) {
                return i;
            }
        }
        throw new AssertionError("not a deployment of the router: " + d);
    }
}
