package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.RouterSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private static final RandomGenerator NO_JITTER = () -> 0L;      // nextDouble() == 0
    private static final RandomGenerator FULL_JITTER = () -> -1L;   // nextDouble() just below 1

    private static RetryPolicy policy(Map<String, List<String>> fallbacks) {
        return new RetryPolicy(new RouterSettings("simple-shuffle", 3, fallbacks, 3, Duration.ofSeconds(5),
                Duration.ofSeconds(600)), Duration.ofSeconds(10));
    }

    @Test
    void numRetriesFromSettings() {
        assertEquals(3, policy(Map.of()).numRetries());
    }

    @Test
    void backoffDoublesUpToTheCap() {
        RetryPolicy p = policy(Map.of());
        long[] expected = {500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000};
        for (int attempt = 1; attempt <= expected.length; attempt++) {
            assertEquals(expected[attempt - 1], p.backoffMillis(attempt, -1, NO_JITTER), "attempt " + attempt);
        }
        assertEquals(8_000, p.backoffMillis(Integer.MAX_VALUE, -1, NO_JITTER));
        assertEquals(500, p.backoffMillis(0, -1, NO_JITTER), "attempts below 1 count as the first");
    }

    @Test
    void jitterTakesOffAtMostAQuarter() {
        RetryPolicy p = policy(Map.of());
        assertEquals(375, p.backoffMillis(1, -1, FULL_JITTER));
        assertEquals(6_000, p.backoffMillis(9, -1, FULL_JITTER));
        SplittableRandom random = new SplittableRandom(11);
        for (int attempt = 1; attempt <= 6; attempt++) {
            long ceiling = p.backoffMillis(attempt, -1, NO_JITTER);
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (int i = 0; i < 2_000; i++) {
                long b = p.backoffMillis(attempt, -1, random);
                assertTrue(b >= ceiling * 3 / 4 && b <= ceiling, attempt + ": " + b);
                min = Math.min(min, b);
                max = Math.max(max, b);
            }
            assertTrue(max - min > ceiling / 8, "jitter spreads the waits");
        }
    }

    @Test
    void retryAfterIsHonouredUpToTheCap() {
        RetryPolicy p = policy(Map.of());
        assertEquals(3_000, p.backoffMillis(1, 3_000, NO_JITTER));
        assertEquals(3_000, p.backoffMillis(5, 3_000, FULL_JITTER), "no jitter on an upstream's own figure");
        assertEquals(0, p.backoffMillis(2, 0, NO_JITTER));
        assertEquals(10_000, p.backoffMillis(1, 120_000, NO_JITTER));
    }

    @Test
    void retryableStatuses() {
        RetryPolicy p = policy(Map.of());
        for (int status : new int[] {0, 408, 409, 429, 500, 502, 503, 504, 599}) {
            assertTrue(p.retryable(status), String.valueOf(status));
        }
        for (int status : new int[] {200, 400, 401, 403, 404, 413, 422, 600, Router.CANCELLED}) {
            assertFalse(p.retryable(status), String.valueOf(status));
        }
    }

    @Test
    void fallbackChainIsDepthFirstWithoutRepeats() {
        RetryPolicy p = policy(Map.of(
                "a", List.of("b", "c"),
                "b", List.of("d", "a"),
                "c", List.of("b", "e"),
                "d", List.of("c")));
        assertEquals(List.of("b", "d", "c", "e"), p.fallbackChain("a"));
        assertEquals(List.of("b", "d", "a", "e"), p.fallbackChain("c"));
        assertEquals(List.of(), p.fallbackChain("e"));
        assertEquals(List.of(), p.fallbackChain("unknown"));
    }

    @Test
    void selfAndCyclicFallbacksEnd() {
        RetryPolicy p = policy(Map.of("a", List.of("a", "b"), "b", List.of("a")));
        assertEquals(List.of("b"), p.fallbackChain("a"));
        assertEquals(List.of("a"), p.fallbackChain("b"));
    }

    @Test
    void wildcardFallbacksApplyToGroupsWithoutTheirOwn() {
        RetryPolicy p = policy(Map.of("*", List.of("default"), "a", List.of("b")));
        assertEquals(List.of("b", "default"), p.fallbackChain("a"));
        assertEquals(List.of("default"), p.fallbackChain("x"));
        assertEquals(List.of(), p.fallbackChain("default"));
    }
}
