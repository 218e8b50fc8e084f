package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import dev.fastllm.agent.bootstrap.GatewayLimiterBridge;
import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.agent.bootstrap.RateLimitAnswer;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.upstream.ConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short-circuit of the three stateful points' bridges ({@code Handle.originalOnly()}): while a point is
 * off and no twin was ever made, every bridge call answers "original" before any twin lookup or per-thread
 * holder; a flag change to on still makes the twin; and once a twin exists, a flag change back to off leaves
 * its live state with it (a slot, a lease, a route). Called through the real bridges, as the advice calls
 * them: a short-circuit that ignored an existing twin fails each test.
 */
class OriginalOnlyBridgeTest {

    private static final KeyLimits ONE_AT_A_TIME = new KeyLimits(100, 100_000, 1);

    @AfterEach
    void uninstall() {
        GatewayLimiterBridge.install(null);
        ConnectionPoolBridge.install(null);
        GatewayRoutingBridge.install(null);
    }

    @Test
    void limiterOffFromTheStartShortCircuitsThenOnMakesTheTwinAndOffKeepsItsSlot() throws Exception {
        Point point = GatewayLimiterFastPathTest.point("gateway.rate-limiter=off");
        GatewayLimiterFastPath fast = new GatewayLimiterFastPath(point);
        GatewayLimiterBridge.install(fast);
        KeyRateLimiter limiter = new KeyRateLimiter();
        Object windows = field(limiter, "windows");

        assertTrue(fast.originalOnly());
        assertNull(GatewayLimiterBridge.tryAcquire(limiter, windows, "a", 100, 100_000, 1, 10, 1_000),
                "off and no twin: the original answers, no answer holder");
        assertTrue(limiter.tryAcquire("a", ONE_AT_A_TIME, 10, 1_000).allowed()); // the original body
        assertFalse(GatewayLimiterBridge.release(limiter, "a"));
        limiter.release("a");
        assertEquals(0, fast.twins().size(), "no twin while the point is off");

        point.setFlag(Flag.ON, "test");
        assertFalse(fast.originalOnly());
        RateLimitAnswer fastAnswer = GatewayLimiterBridge.tryAcquire(limiter, windows, "b", 100, 100_000, 1, 10, 2_000);
        assertTrue(GatewayLimiterBridge.answered(fastAnswer), "on: the twin answers");
        assertTrue(fastAnswer.allowed);
        GatewayLimiterBridge.done(fastAnswer);
        assertEquals(1, fast.twins().size(), "the flag change to on made the twin");

        point.setFlag(Flag.OFF, "test");
        // key b holds its only slot in the twin: the twin refuses it, as the original would have
        RateLimitAnswer refused = GatewayLimiterBridge.tryAcquire(limiter, windows, "b", 100, 100_000, 1, 10, 3_000);
        assertTrue(GatewayLimiterBridge.answered(refused), "off: the twin still answers its live key");
        assertFalse(refused.allowed);
        GatewayLimiterBridge.done(refused);
        assertEquals(1, GatewayLimiterBridge.trackedKeys(limiter, limiter.trackedKeys()) - limiter.trackedKeys());
        assertTrue(GatewayLimiterBridge.release(limiter, "b"), "the slot goes back to the twin that granted it");
        assertNull(((java.util.Map<?, ?>) windows).get("b"), "the original never saw key b");
    }

    @Test
    void poolOffFromTheStartShortCircuitsThenOnMakesTheTwinAndOffKeepsItsLease() {
        Point point = PoolFixture.point();
        point.setFlag(Flag.OFF, "test");
        GatewayPoolFastPath fast = new GatewayPoolFastPath(point);
        ConnectionPoolBridge.install(fast);
        PoolFixture.TestConnector connector = new PoolFixture.TestConnector();
        ConnectionPool<PoolFixture.Conn> pool = new ConnectionPool<>("p", connector, 4, 10, 60_000_000_000L,
                System::nanoTime);

        assertTrue(fast.originalOnly());
        assertNull(ConnectionPoolBridge.acquire(pool, "p"), "off and no twin: the original answers");
        assertNull(ConnectionPoolBridge.stats(pool, 0, 0, 0, 0, 0, 0));
        assertNull(fast.twinIfAny(pool), "no twin while the point is off");

        point.setFlag(Flag.ON, "test");
        @SuppressWarnings("unchecked")
        CompletableFuture<PoolFixture.Conn> lease = (CompletableFuture<PoolFixture.Conn>) ConnectionPoolBridge.acquire(pool, "p");
        assertNotNull(lease, "on: the twin answers");
        assertNotNull(fast.twinIfAny(pool), "the flag change to on made the twin");
        PoolFixture.Conn conn = lease.join();

        point.setFlag(Flag.OFF, "test");
        assertNull(ConnectionPoolBridge.acquire(pool, "p"), "off: new acquires go to the original");
        long[] stats = ConnectionPoolBridge.stats(pool, 0, 0, 0, 0, 0, 0);
        assertNotNull(stats, "the twin's counts are still added");
        assertEquals(1, stats[0], "the twin's lease is counted");
        assertTrue(ConnectionPoolBridge.release(pool, conn, true), "the lease goes back to the twin that granted it");
        assertEquals(0, ConnectionPoolBridge.stats(pool, 0, 0, 0, 0, 0, 0)[0]);
        ConnectionPoolBridge.closed(pool);
        assertEquals(1, conn.closes.get(), "closing the pool closes the twin's idle connection");
    }

    @Test
    void routerOffFromTheStartShortCircuitsThenOnMakesTheTwinAndOffEndsItsRouteThere() {
        Point point = GatewayRoutingFastPathTest.point("gateway.routing=off");
        GatewayRoutingFastPath fast = new GatewayRoutingFastPath(point, 0);
        GatewayRoutingBridge.install(fast);
        AdvisedRouter.Groups g = new AdvisedRouter.Groups().add("solo", "s1:-1:-1:-1");
        Router router = g.router(Router.SIMPLE_SHUFFLE, 0, 1_000, 42);
        long now = 1_000L * Router.MINUTE_MILLIS;

        assertTrue(fast.originalOnly());
        assertNull(GatewayRoutingBridge.pick(router, "solo", 10, now), "off and no twin: the original answers");
        assertEquals(GatewayRoutingBridge.RUN_ORIGINAL, GatewayRoutingBridge.retryAfter(router, "solo", 10, now));
        assertNull(fast.twinOf(router), "no twin while the point is off");

        point.setFlag(Flag.ON, "test");
        Object call = GatewayRoutingBridge.pick(router, "solo", 10, now);
        assertTrue(GatewayRoutingBridge.answered(call), "on: the twin answers");
        assertNotNull(fast.twinOf(router), "the flag change to on made the twin");
        Route route = (Route) GatewayRoutingBridge.pickExit(call, null);

        point.setFlag(Flag.OFF, "test");
        assertEquals(1, GatewayRoutingBridge.inFlight(router, "solo", "s1", router.inFlight("solo", "s1")),
                "the twin's route is counted in flight");
        Object next = GatewayRoutingBridge.pick(router, "solo", 10, now + 1);
        assertTrue(GatewayRoutingBridge.answered(next), "off: the twin still holds the live group, it picks");
        assertEquals(GatewayRoutingBridge.END_TRUE, end(router, (Route) GatewayRoutingBridge.pickExit(next, null), now + 2));
        assertEquals(GatewayRoutingBridge.END_TRUE, end(router, route, now + 2), "the route ends in the twin that made it");
        assertEquals(0, router.inFlight("solo", "s1"), "the original never saw the twin's routes");
        assertEquals(0, GatewayRoutingBridge.inFlight(router, "solo", "s1", 0));
    }

    private static int end(Router router, Route route, long now) {
        return GatewayRoutingBridge.end(router, route, route.deployment().group(), 200, 5, now);
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }
}
