package dev.fastllm.gateway.limits;

import dev.fastllm.gateway.config.VirtualKey;
import dev.fastllm.gateway.limits.RateLimitDecision.Limit;
import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyRateLimiterTest {

    private static final long T0 = 1_000_000L;
    private final KeyRateLimiter limiter = new KeyRateLimiter();

    private static KeyLimits rpm(long rpm) {
        return new KeyLimits(rpm, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    private static KeyLimits tpm(long tpm) {
        return new KeyLimits(Long.MAX_VALUE, tpm, Integer.MAX_VALUE);
    }

    private static KeyLimits parallel(int n) {
        return new KeyLimits(Long.MAX_VALUE, Long.MAX_VALUE, n);
    }

    @Test
    void limitsFromVirtualKey() {
        VirtualKey limited = new VirtualKey("sk-1", "a", OptionalLong.of(10), OptionalLong.of(1000), OptionalInt.of(2), Set.of());
        assertEquals(new KeyLimits(10, 1000, 2), KeyLimits.of(limited));
        VirtualKey open = new VirtualKey("sk-2", "b", OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(), Set.of());
        assertEquals(KeyLimits.UNLIMITED, KeyLimits.of(open));
        assertFalse(KeyLimits.UNLIMITED.limitsRequests());
        assertTrue(KeyLimits.of(limited).limitsTokens());
    }

    @Test
    void firstRequestAnchorsTheWindowAndTheBoundaryIsExclusive() {
        KeyLimits limits = rpm(2);
        assertTrue(limiter.tryAcquire("k", limits, 0, T0).allowed());
        assertTrue(limiter.tryAcquire("k", limits, 0, T0 + 10_000).allowed());

        RateLimitDecision refused = limiter.tryAcquire("k", limits, 0, T0 + 59_999);
        assertFalse(refused.allowed());
        assertEquals(Limit.REQUESTS, refused.rejectedBy());
        assertEquals(1, refused.retryAfterMillis());
        assertEquals(0, refused.remainingRequests());
        assertEquals(2, refused.limitRequests());

        // exactly 60 000 ms after the anchor a new window starts, anchored at this request
        RateLimitDecision next = limiter.tryAcquire("k", limits, 0, T0 + 60_000);
        assertTrue(next.allowed());
        assertEquals(1, next.remainingRequests());
        assertTrue(limiter.tryAcquire("k", limits, 0, T0 + 60_001).allowed());
        RateLimitDecision again = limiter.tryAcquire("k", limits, 0, T0 + 90_000);
        assertFalse(again.allowed());
        assertEquals(30_000, again.retryAfterMillis());
        assertEquals(30, again.retryAfterSeconds());
    }

    @Test
    void windowIsAnchoredPerKey() {
        KeyLimits limits = rpm(1);
        assertTrue(limiter.tryAcquire("a", limits, 0, T0).allowed());
        assertTrue(limiter.tryAcquire("b", limits, 0, T0 + 30_000).allowed());
        assertTrue(limiter.tryAcquire("a", limits, 0, T0 + 60_000).allowed());
        RateLimitDecision b = limiter.tryAcquire("b", limits, 0, T0 + 60_000);
        assertFalse(b.allowed());
        assertEquals(30_000, b.retryAfterMillis());
    }

    @Test
    void tokensAreReservedAndRefusedWhenTheReservationDoesNotFit() {
        KeyLimits limits = tpm(1_000);
        RateLimitDecision first = limiter.tryAcquire("k", limits, 600, T0);
        assertTrue(first.allowed());
        assertEquals(400, first.remainingTokens());
        assertEquals(1_000, first.limitTokens());

        RateLimitDecision second = limiter.tryAcquire("k", limits, 401, T0 + 1);
        assertFalse(second.allowed());
        assertEquals(Limit.TOKENS, second.rejectedBy());
        assertEquals(59_999, second.retryAfterMillis());
        assertEquals(400, second.remainingTokens());

        RateLimitDecision exact = limiter.tryAcquire("k", limits, 400, T0 + 2);
        assertTrue(exact.allowed());
        assertEquals(0, exact.remainingTokens());
    }

    @Test
    void refusedRequestTakesNothing() {
        KeyLimits limits = new KeyLimits(5, 100, 1);
        assertTrue(limiter.tryAcquire("k", limits, 50, T0).allowed());
        RateLimitDecision parallelRefused = limiter.tryAcquire("k", limits, 10, T0);
        assertEquals(Limit.PARALLEL, parallelRefused.rejectedBy());
        assertEquals(KeyRateLimiter.PARALLEL_RETRY_AFTER_MILLIS, parallelRefused.retryAfterMillis());
        assertEquals(4, parallelRefused.remainingRequests());
        assertEquals(50, parallelRefused.remainingTokens());
        RateLimitDecision tokenRefused = limiter.tryAcquire("k", limits, 51, T0);
        assertEquals(Limit.TOKENS, tokenRefused.rejectedBy());
        limiter.release("k");
        RateLimitDecision ok = limiter.tryAcquire("k", limits, 50, T0);
        assertTrue(ok.allowed());
        assertEquals(3, ok.remainingRequests());
        assertEquals(0, ok.remainingTokens());
    }

    @Test
    void requestLimitIsReportedBeforeTokensAndParallel() {
        KeyLimits limits = new KeyLimits(1, 10, 1);
        assertTrue(limiter.tryAcquire("k", limits, 10, T0).allowed());
        RateLimitDecision d = limiter.tryAcquire("k", limits, 10, T0 + 5);
        assertEquals(Limit.REQUESTS, d.rejectedBy());
        assertEquals(59_995, d.retryAfterMillis());
    }

    @Test
    void zeroLimitRefusesEverything() {
        RateLimitDecision d = limiter.tryAcquire("k", rpm(0), 0, T0);
        assertFalse(d.allowed());
        assertEquals(Limit.REQUESTS, d.rejectedBy());
        assertEquals(60_000, d.retryAfterMillis());
    }

    @Test
    void reconcileReplacesTheReservationWithinTheWindow() {
        KeyLimits limits = tpm(1_000);
        assertTrue(limiter.tryAcquire("k", limits, 500, T0).allowed());
        limiter.reconcile("k", 500, 120, T0, T0 + 2_000);      // down: 380 tokens given back
        assertEquals(880, limiter.peek("k", limits, T0 + 2_000).remainingTokens());

        assertTrue(limiter.tryAcquire("k", limits, 100, T0 + 3_000).allowed());
        limiter.reconcile("k", 100, 700, T0 + 3_000, T0 + 4_000); // up: the provider used more than reserved
        assertEquals(180, limiter.peek("k", limits, T0 + 4_000).remainingTokens());
        RateLimitDecision refused = limiter.tryAcquire("k", limits, 181, T0 + 5_000);
        assertEquals(Limit.TOKENS, refused.rejectedBy());
    }

    @Test
    void reconcileNeverDrivesUsageBelowZero() {
        KeyLimits limits = tpm(1_000);
        assertTrue(limiter.tryAcquire("k", limits, 10, T0).allowed());
        limiter.reconcile("k", 500, 0, T0, T0 + 1);
        assertEquals(1_000, limiter.peek("k", limits, T0 + 1).remainingTokens());
    }

    @Test
    void reconcileAfterTheWindowRolledChangesNothing() {
        KeyLimits limits = tpm(1_000);
        assertTrue(limiter.tryAcquire("k", limits, 900, T0).allowed());
        // the window rolls: a new request anchors a new one at T0 + 60 000
        RateLimitDecision fresh = limiter.tryAcquire("k", limits, 300, T0 + 60_000);
        assertTrue(fresh.allowed());
        assertEquals(700, fresh.remainingTokens());
        // the old request's usage arrives late; it belongs to the expired window
        limiter.reconcile("k", 900, 50, T0, T0 + 61_000);
        assertEquals(700, limiter.peek("k", limits, T0 + 61_000).remainingTokens());
        // and a reconcile of the current request still applies
        limiter.reconcile("k", 300, 400, T0 + 60_000, T0 + 61_000);
        assertEquals(600, limiter.peek("k", limits, T0 + 61_000).remainingTokens());
    }

    @Test
    void reconcileOfExpiredWindowWithoutNewRequestChangesNothing() {
        KeyLimits limits = tpm(1_000);
        assertTrue(limiter.tryAcquire("k", limits, 900, T0).allowed());
        limiter.reconcile("k", 900, 10, T0, T0 + 60_000);
        // the next request anchors a fresh, empty window
        assertEquals(1_000 - 5, limiter.tryAcquire("k", limits, 5, T0 + 60_000).remainingTokens());
        limiter.reconcile("unknown", 1, 2, T0, T0); // no state: no effect, no error
        assertEquals(1, limiter.trackedKeys());
    }

    @Test
    void parallelSlotsAreReleasedAndSurviveWindowRolls() {
        KeyLimits limits = parallel(2);
        assertTrue(limiter.tryAcquire("k", limits, 0, T0).allowed());
        assertTrue(limiter.tryAcquire("k", limits, 0, T0).allowed());
        assertEquals(Limit.PARALLEL, limiter.tryAcquire("k", limits, 0, T0).rejectedBy());
        // a new window resets counts, not requests in flight
        assertEquals(Limit.PARALLEL, limiter.tryAcquire("k", limits, 0, T0 + 120_000).rejectedBy());
        limiter.release("k");
        assertTrue(limiter.tryAcquire("k", limits, 0, T0 + 120_000).allowed());
        limiter.release("k");
        limiter.release("k");
        limiter.release("k"); // an extra release never creates a slot
        assertTrue(limiter.tryAcquire("k", limits, 0, T0 + 120_001).allowed());
        assertTrue(limiter.tryAcquire("k", limits, 0, T0 + 120_001).allowed());
        assertFalse(limiter.tryAcquire("k", limits, 0, T0 + 120_001).allowed());
    }

    @Test
    void peekReportsWithoutTakingAndCreatesNoState() {
        KeyLimits limits = new KeyLimits(3, 100, 5);
        RateLimitDecision unseen = limiter.peek("k", limits, T0);
        assertTrue(unseen.allowed());
        assertEquals(3, unseen.remainingRequests());
        assertEquals(100, unseen.remainingTokens());
        assertEquals(0, limiter.trackedKeys());

        limiter.tryAcquire("k", limits, 40, T0);
        limiter.tryAcquire("k", limits, 40, T0);
        limiter.tryAcquire("k", limits, 0, T0);
        RateLimitDecision full = limiter.peek("k", limits, T0 + 20_000);
        assertFalse(full.allowed());
        assertEquals(Limit.REQUESTS, full.rejectedBy());
        assertEquals(40_000, full.retryAfterMillis());
        assertEquals(0, full.remainingRequests());
        assertEquals(20, full.remainingTokens());
        RateLimitDecision after = limiter.peek("k", limits, T0 + 60_000);
        assertEquals(3, after.remainingRequests());
        assertEquals(100, after.remainingTokens());
        // peek took nothing
        assertEquals(0, limiter.peek("k", limits, T0 + 20_000).remainingRequests());
    }

    @Test
    void evictionDropsExpiredIdleKeysOnly() {
        KeyLimits limits = new KeyLimits(10, 1000, 1);
        limiter.tryAcquire("idle", limits, 0, T0);
        limiter.release("idle");
        limiter.tryAcquire("busy", limits, 0, T0);           // holds its slot
        limiter.tryAcquire("recent", limits, 0, T0 + 30_000);
        limiter.release("recent");
        assertEquals(3, limiter.trackedKeys());

        assertEquals(0, limiter.evictIdle(T0 + 59_999));
        assertEquals(1, limiter.evictIdle(T0 + 60_000));
        assertEquals(2, limiter.trackedKeys());

        // the busy key's slot survives eviction: its limit still holds in a later window
        assertEquals(1, limiter.evictIdle(T0 + 200_000)); // only "recent" goes
        assertEquals(1, limiter.trackedKeys());
        assertEquals(Limit.PARALLEL, limiter.tryAcquire("busy", limits, 0, T0 + 200_000).rejectedBy());
        limiter.release("busy");
        assertEquals(0, limiter.evictIdle(T0 + 200_001)); // window anchored at T0 + 200 000 is live
        assertEquals(1, limiter.evictIdle(T0 + 260_000));
        assertEquals(0, limiter.trackedKeys());
    }

    @Test
    void memoryStaysBoundedOverManyKeys() {
        KeyLimits limits = rpm(5);
        long now = T0;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 10_000; i++) {
                String key = "key-" + round + "-" + i;
                limiter.tryAcquire(key, limits, 0, now);
                limiter.release(key);
            }
            now += 60_000;
            limiter.evictIdle(now);
            assertEquals(0, limiter.trackedKeys());
        }
    }
}
