package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.Deployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.fastllm.gateway.routing.Deployments.deployment;
import static dev.fastllm.gateway.routing.Deployments.router;
import static dev.fastllm.gateway.routing.Deployments.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterTest {

    /** Start of a calendar minute. */
    private static final long T0 = 1_700_000_040_000L;

    private static Map<String, Integer> draw(Router router, String group, int n, long now) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Route r = router.pick(group, 0, now);
            counts.merge(r.deployment().id(), 1, Integer::sum);
            router.onEnd(r, Router.CANCELLED, 0, now);
        }
        return counts;
    }

    /** Pearson's chi-square statistic of observed counts against expected proportions. */
    private static double chiSquare(Map<String, Integer> observed, Map<String, Double> share, int n) {
        double chi = 0;
        for (Map.Entry<String, Double> e : share.entrySet()) {
            double expected = e.getValue() * n;
            double diff = observed.getOrDefault(e.getKey(), 0) - expected;
            chi += diff * diff / expected;
        }
        return chi;
    }

    @Test
    void unknownGroupAndStrategy() {
        Router router = router("simple-shuffle", List.of(deployment("g", "a")));
        assertTrue(router.hasGroup("g"));
        assertFalse(router.hasGroup("nope"));
        assertNull(router.pick("nope", 0, T0));
        assertEquals(0, router.retryAfterMillis("nope", 0, T0));
        assertEquals("simple-shuffle", router.strategy());
        assertThrows(IllegalArgumentException.class,
                () -> new Router(Map.of(), settings("round-robin"), 1));
    }

    @Test
    void simpleShuffleFollowsWeights() {
        Router router = router("simple-shuffle", List.of(
                deployment("g", "a", 1_000_000L, null, 1L),
                deployment("g", "b", 10_000_000L, null, 2L),    // weight wins over rpm
                deployment("g", "c", null, null, 7L)));
        int n = 30_000;
        Map<String, Integer> counts = draw(router, "g", n, T0);
        // 2 degrees of freedom: 13.82 is the 0.999 quantile; fixed seed, so this is deterministic
        assertTrue(chiSquare(counts, Map.of("a", 0.1, "b", 0.2, "c", 0.7), n) < 13.82, counts.toString());
    }

    @Test
    void simpleShuffleFallsBackToRpmThenTpmThenUniform() {
        int n = 20_000;
        Router byRpm = router("simple-shuffle", List.of(
                deployment("g", "a", 100_000L, 1L, null), deployment("g", "b", 300_000L, 1_000_000_000L, null)));
        assertTrue(chiSquare(draw(byRpm, "g", n, T0), Map.of("a", 0.25, "b", 0.75), n) < 10.83);

        Router byTpm = router("simple-shuffle", List.of(
                deployment("g", "a", null, 4_000_000L, null), deployment("g", "b", null, 1_000_000L, null)));
        assertTrue(chiSquare(draw(byTpm, "g", n, T0), Map.of("a", 0.8, "b", 0.2), n) < 10.83);

        Router uniform = router("simple-shuffle", List.of(
                deployment("g", "a"), deployment("g", "b"), deployment("g", "c"), deployment("g", "d")));
        Map<String, Integer> counts = draw(uniform, "g", n, T0);
        assertTrue(chiSquare(counts, Map.of("a", 0.25, "b", 0.25, "c", 0.25, "d", 0.25), n) < 16.27, counts.toString());
    }

    @Test
    void zeroWeightIsOnlyUsedWhenNothingElseIs() {
        Router router = new Router(Map.of("g", List.of(
                deployment("g", "a", null, null, 0L), deployment("g", "b", 1L, null, 5L))),
                settings("simple-shuffle"), 7);
        Route first = router.pick("g", 0, T0);
        assertEquals("b", first.deployment().id());
        // b's rpm is spent for this minute: the weight-0 deployment is all that is left
        assertEquals("a", router.pick("g", 0, T0 + 1).deployment().id());
    }

    @Test
    void seededRouterIsReproducible() {
        List<Deployment> ds = List.of(deployment("g", "a"), deployment("g", "b"), deployment("g", "c"));
        Router one = router("simple-shuffle", ds);
        Router two = router("simple-shuffle", ds);
        for (int i = 0; i < 100; i++) {
            assertEquals(one.pick("g", 0, T0).deployment().id(), two.pick("g", 0, T0).deployment().id());
        }
    }

    @Test
    void leastBusyPicksFewestInFlightWithRandomTies() {
        Router router = router("least-busy", List.of(deployment("g", "a"), deployment("g", "b"), deployment("g", "c")));
        // claim one each (every tie is 0 at first), then one more on whichever comes next
        List<Route> held = new ArrayList<>();
        Set<String> firstRound = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Route r = router.pick("g", 0, T0);
            held.add(r);
            firstRound.add(r.deployment().id());
        }
        assertEquals(Set.of("a", "b", "c"), firstRound);
        Route extra = router.pick("g", 0, T0);
        String busiest = extra.deployment().id();
        // now busiest has 2, the other two 1 each: picks alternate between those two, at random
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            Route r = router.pick("g", 0, T0);
            assertFalse(r.deployment().id().equals(busiest), "picked the busiest deployment");
            seen.add(r.deployment().id());
            router.onEnd(r, 200, 0, T0);
        }
        assertEquals(2, seen.size());
        // end the extra request: all tie again at 1
        router.onEnd(extra, 200, 0, T0);
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            Route r = router.pick("g", 0, T0);
            all.add(r.deployment().id());
            router.onEnd(r, 200, 0, T0);
        }
        assertEquals(Set.of("a", "b", "c"), all);
        held.forEach(r -> router.onEnd(r, 200, 0, T0));
        for (String id : List.of("a", "b", "c")) {
            assertEquals(0, router.inFlight("g", id));
        }
    }

    private static void recordLatency(Router router, String group, String id, long latency, long now) {
        // pick until the wanted deployment comes up; end the others as cancelled (no latency recorded)
        for (int guard = 0; guard < 10_000; guard++) {
            Route r = router.pick(group, 0, now);
            if (r.deployment().id().equals(id)) {
                router.onEnd(r, 200, 10, now + latency);
                return;
            }
            router.onEnd(r, Router.CANCELLED, 0, now);
        }
        throw new AssertionError("never picked " + id);
    }

    @Test
    void latencyBasedPicksWithinTheBufferOfTheFastest() {
        Router router = router("latency-based-routing", List.of(
                deployment("g", "a"), deployment("g", "b"), deployment("g", "c")));
        recordLatency(router, "g", "a", 100, T0);
        recordLatency(router, "g", "b", 108, T0);    // within 10 % of 100
        // c is untried: it counts as fastest and is picked until measured
        assertEquals("c", router.pick("g", 0, T0).deployment().id());
        recordLatency(router, "g", "c", 300, T0);
        Map<String, Integer> counts = draw(router, "g", 400, T0);
        assertEquals(Set.of("a", "b"), counts.keySet(), counts.toString());
        assertTrue(counts.get("a") > 100 && counts.get("b") > 100, counts.toString());
    }

    @Test
    void latencyAverageUsesTheLastTenSamples() {
        // allowed_fails 0, cooldown 5 s: a failure takes a deployment out, which lets the test steer traffic
        Router router = new Router(Map.of("g", List.of(deployment("g", "a"), deployment("g", "b"))),
                settings("latency-based-routing", 0, 5), 42L);
        failOn(router, "b", 500, T0);                       // b cools down until T0 + 5000
        for (int i = 0; i < 10; i++) {
            recordLatency(router, "g", "a", 1_000, T0 + 1);
        }
        recordLatency(router, "g", "b", 400, T0 + 5_000);   // b, untried, counts as fastest
        assertEquals("b", router.pick("g", 0, T0 + 5_000).deployment().id(), "a averages 1000, b 400");
        failOn(router, "b", 500, T0 + 5_000);               // b cools down until T0 + 10 000
        for (int i = 0; i < 10; i++) {
            recordLatency(router, "g", "a", 50, T0 + 5_001); // ten fast samples push the slow ones out
        }
        for (int i = 0; i < 20; i++) {
            Route r = router.pick("g", 0, T0 + 10_000);
            assertEquals("a", r.deployment().id(), "a averages 50 over its last ten, b 400");
            router.onEnd(r, Router.CANCELLED, 0, T0 + 10_000);
        }
        // only successes record latency
        Route r = router.pick("g", 0, T0 + 10_000);
        router.onEnd(r, 400, 0, T0 + 600_000);
        assertEquals("a", router.pick("g", 0, T0 + 10_000).deployment().id());
    }

    @Test
    void usageBasedPicksTheLowestTokensThisMinute() {
        Router router = router("usage-based-routing-v2", List.of(
                deployment("g", "a", null, 10_000L, null),
                deployment("g", "b", null, 650L, null),
                deployment("g", "c", null, 10_000L, null)));
        // usage this minute: a 500, b 100, c 300 (reserved at pick, settled by onEnd); while some deployment
        // still has 0 it is the lowest, so three picks land on three different deployments
        Map<String, Long> used = Map.of("a", 500L, "b", 100L, "c", 300L);
        Set<String> picked = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Route r = router.pick("g", 0, T0);
            assertTrue(picked.add(r.deployment().id()), "picked a deployment that already had usage");
            router.onEnd(r, 200, used.get(r.deployment().id()), T0 + 10);
        }
        assertEquals("b", router.pick("g", 0, T0 + 20).deployment().id());
        // the next request reserves 600: b (100 used of 650, plus 0 reserved by the pick above) cannot take it
        Route big = router.pick("g", 600, T0 + 30);
        assertEquals("c", big.deployment().id());
        // a new minute resets usage: everyone is at 0 again, ties broken at random
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Route r = router.pick("g", 0, T0 + 60_000);
            seen.add(r.deployment().id());
            router.onEnd(r, Router.CANCELLED, 0, T0 + 60_000);
        }
        assertEquals(Set.of("a", "b", "c"), seen);
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void everyStrategyRespectsRpm(String strategy) {
        Router router = router(strategy, List.of(
                deployment("g", "a", 3L, null, null), deployment("g", "b", 5L, null, null)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 8; i++) {
            Route r = router.pick("g", 0, T0 + i);
            assertNotNull(r, "pick " + i);
            counts.merge(r.deployment().id(), 1, Integer::sum);
            router.onEnd(r, 200, 1, T0 + i);
        }
        assertEquals(Map.of("a", 3, "b", 5), counts);
        assertNull(router.pick("g", 0, T0 + 59_999));
        assertEquals(1, router.retryAfterMillis("g", 0, T0 + 59_999));
        assertNotNull(router.pick("g", 0, T0 + 60_000), "a new calendar minute resets rpm");
    }

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void everyStrategyRespectsTpm(String strategy) {
        Router router = router(strategy, List.of(
                deployment("g", "a", null, 1_000L, null), deployment("g", "b", null, 1_000L, null)));
        List<Route> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Route r = router.pick("g", 300, T0);
            assertNotNull(r, "pick " + i);
            held.add(r);
        }
        assertNull(router.pick("g", 300, T0), "both deployments have 900 of 1000 reserved");
        assertNotNull(router.pick("g", 100, T0 + 1), "a smaller request still fits");
        assertEquals(60_000 - 2, router.retryAfterMillis("g", 300, T0 + 2));
        // settle three requests at 50 actual tokens each: their reservations are given back
        for (int i = 0; i < 3; i++) {
            router.onEnd(held.get(i), 200, 50, T0 + 3);
        }
        assertNotNull(router.pick("g", 300, T0 + 4));
    }

    @Test
    void requestLargerThanEveryTpmNeverFits() {
        Router router = router("simple-shuffle", List.of(deployment("g", "a", null, 100L, null)));
        assertNull(router.pick("g", 101, T0));
        assertEquals(60_000 - 5, router.retryAfterMillis("g", 101, T0 + 5));
    }

    @Test
    void cooldownAfterMoreThanAllowedFailsWithinAMinute() {
        Router router = new Router(Map.of("g", List.of(deployment("g", "a"), deployment("g", "b"))),
                settings("least-busy", 2, 5), 3);
        // a fails 3 times (allowed_fails = 2): statuses that count are 429, 408, 5xx and 0 (connection error)
        failOn(router, "a", 429, T0);
        failOn(router, "a", 0, T0 + 10_000);
        assertFalse(router.isCoolingDown("g", "a", T0 + 10_000));
        failOn(router, "a", 503, T0 + 59_000);
        assertTrue(router.isCoolingDown("g", "a", T0 + 59_000));
        for (int i = 0; i < 20; i++) {
            Route r = router.pick("g", 0, T0 + 60_000);
            assertEquals("b", r.deployment().id(), "a is cooling down");
            router.onEnd(r, 200, 0, T0 + 60_000);
        }
        // cooldown_time is 5 s from the failure that tripped it
        assertTrue(router.isCoolingDown("g", "a", T0 + 63_999));
        assertFalse(router.isCoolingDown("g", "a", T0 + 64_000));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Route r = router.pick("g", 0, T0 + 64_000);
            seen.add(r.deployment().id());
            router.onEnd(r, 200, 0, T0 + 64_000);
        }
        assertEquals(Set.of("a", "b"), seen);
    }

    @Test
    void failuresSpreadOverMoreThanAMinuteDoNotCoolDown() {
        Router router = new Router(Map.of("g", List.of(deployment("g", "a"), deployment("g", "b"))),
                settings("least-busy", 2, 5), 3);
        failOn(router, "a", 500, T0);
        failOn(router, "a", 500, T0 + 30_000);
        failOn(router, "a", 500, T0 + 60_000);     // the first failure's window has closed
        failOn(router, "a", 500, T0 + 100_000);
        assertFalse(router.isCoolingDown("g", "a", T0 + 100_000));
        failOn(router, "a", 500, T0 + 110_000);    // third within the window opened at +60 s
        assertTrue(router.isCoolingDown("g", "a", T0 + 110_000));
    }

    @Test
    void clientErrorsNeverCoolDown() {
        Router router = new Router(Map.of("g", List.of(deployment("g", "a"))), settings("simple-shuffle", 0, 5), 3);
        for (int status : new int[] {400, 401, 403, 404, 413, 422, Router.CANCELLED}) {
            failOn(router, "a", status, T0);
        }
        assertFalse(router.isCoolingDown("g", "a", T0));
        failOn(router, "a", 408, T0);   // allowed_fails = 0: the first counted failure cools down
        assertTrue(router.isCoolingDown("g", "a", T0));
    }

    @Test
    void retryAfterWhenEveryDeploymentCoolsDown() {
        Router router = new Router(Map.of("g", List.of(deployment("g", "a"), deployment("g", "b"))),
                settings("simple-shuffle", 0, 5), 3);
        failOn(router, "a", 500, T0);
        failOn(router, "b", 500, T0 + 2_000);
        assertNull(router.pick("g", 0, T0 + 3_000));
        assertEquals(2_000, router.retryAfterMillis("g", 0, T0 + 3_000), "a leaves cooldown first, at +5 s");
        assertEquals(0, router.retryAfterMillis("g", 0, T0 + 5_000));
        assertEquals("a", router.pick("g", 0, T0 + 5_000).deployment().id());
    }

    @Test
    void retryAfterCombinesCooldownAndCapacity() {
        Router router = new Router(Map.of("g", List.of(deployment("g", "a", 1L, null, null), deployment("g", "b"))),
                settings("simple-shuffle", 0, 30), 3);
        failOn(router, "b", 500, T0 - 10_000);          // previous minute; b cools until T0 + 20 s
        Route r = router.pick("g", 0, T0 + 2_000);       // a's one request this minute
        assertEquals("a", r.deployment().id());
        router.onEnd(r, 200, 0, T0 + 2_000);
        assertNull(router.pick("g", 0, T0 + 3_000));
        assertEquals(17_000, router.retryAfterMillis("g", 0, T0 + 3_000), "b is back at +20 s; a only at +60 s");
        assertNull(router.pick("g", 0, T0 + 19_999));
        assertEquals("b", router.pick("g", 0, T0 + 20_000).deployment().id());
    }

    @Test
    void onEndIsIdempotentPerRoute() {
        Router router = router("least-busy", List.of(deployment("g", "a")));
        Route one = router.pick("g", 0, T0);
        Route two = router.pick("g", 0, T0);
        assertEquals(2, router.inFlight("g", "a"));
        assertTrue(router.onEnd(one, 200, 5, T0 + 1));
        assertFalse(router.onEnd(one, 500, 5, T0 + 1));
        assertEquals(1, router.inFlight("g", "a"));
        assertTrue(router.onEnd(two, 0, 0, T0 + 1));
        assertEquals(0, router.inFlight("g", "a"));
        assertEquals(0, router.inFlight("g", "missing"));
    }

    @Test
    void groupsAreIndependent() {
        Router router = new Router(Map.of(
                "g", List.of(deployment("g", "a", 1L, null, null)),
                "h", List.of(deployment("h", "a", 1L, null, null))), settings("simple-shuffle"), 1);
        assertNotNull(router.pick("g", 0, T0));
        assertNull(router.pick("g", 0, T0));
        assertNotNull(router.pick("h", 0, T0), "same deployment id in another group has its own state");
    }

    private static void failOn(Router router, String id, int status, long now) {
        for (int guard = 0; guard < 10_000; guard++) {
            Route r = router.pick("g", 0, now);
            if (r == null) {
                throw new AssertionError("nothing to pick at " + now);
            }
            if (r.deployment().id().equals(id)) {
                router.onEnd(r, status, 0, now);
                return;
            }
            router.onEnd(r, Router.CANCELLED, 0, now);
        }
        throw new AssertionError("never picked " + id);
    }
}
