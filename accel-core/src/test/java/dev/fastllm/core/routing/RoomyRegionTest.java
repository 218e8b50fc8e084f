package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A minute's tight bits: clear while a deployment's word stays in its roomy region (fewer requests than
 * {@code rpm}, at most {@code tpm - tpm / 16} tokens), so picks of up to the slack skip reading it; set by
 * the claim or settlement that leaves the region, never cleared within the minute, and fresh in a new one.
 * Whatever the bits say, picks answer as the limits do ({@link RouterDifferentialTest} compares them with
 * the gateway's router).
 */
class RoomyRegionTest {

    private static final long UNSET = FastRouter.UNSET;
    private static final long NOW = 30_000_000L * FastRouter.MINUTE_MILLIS;

    private static FastRouter router(long rpm, long tpm) {
        return FastRouter.builder(FastRouter.SIMPLE_SHUFFLE, 3, 5_000)
                .group("g", new String[]{"d0", "d1"}, new long[]{rpm, UNSET}, new long[]{tpm, UNSET},
                        new long[]{UNSET, UNSET})
                .build();
    }

    private static long tight(FastRouter r) {
        return r.group("g").usage().tight();
    }

    /** Picks until deployment 0 is chosen; the claims of deployment 1 are ended at once. */
    private static Claim pickFirst(FastRouter r, long tokens, long now) {
        for (;;) {
            Claim c = r.pick("g", tokens, now);
            if (c == null || c.deployment() == 0) {
                return c;
            }
            r.onEnd(c, 400, 0, now);
        }
    }

    @Test
    void tokensPastTheRoomyRegionSetTheBitAndTheLimitStillHolds() {
        FastRouter r = router(UNSET, 1_600); // slack 100: roomy up to 1 500 tokens
        List<Claim> claims = new ArrayList<>();
        for (int k = 0; k < 15; k++) {
            claims.add(pickFirst(r, 100, NOW));
            assertEquals(0, tight(r), "after " + (k + 1) + " claims of 100");
        }
        claims.add(pickFirst(r, 100, NOW)); // 1 600 tokens: out of the region
        assertEquals(1, tight(r));
        for (int k = 0; k < 50; k++) {
            Claim c = r.pick("g", 100, NOW);
            assertEquals(1, c.deployment(), "deployment 0 is full");
            r.onEnd(c, 400, 0, NOW);
        }
        r.onEnd(claims.get(0), 400, 0, NOW); // reservation dropped: 1 500 tokens, the bit stays
        assertEquals(1, tight(r));
        assertNotNull(pickFirst(r, 100, NOW), "the freed 100 tokens are found by reading the word");
        assertEquals(1, tight(r));
    }

    @Test
    void theLastRequestOfRpmSetsTheBit() {
        FastRouter r = router(3, UNSET);
        pickFirst(r, 10, NOW);
        pickFirst(r, 10, NOW);
        assertEquals(0, tight(r));
        pickFirst(r, 10, NOW);
        assertEquals(1, tight(r));
    }

    @Test
    void aSettlementThatUsesMoreThanReservedSetsTheBit() {
        FastRouter r = router(UNSET, 1_600);
        Claim c = pickFirst(r, 100, NOW);
        assertEquals(0, tight(r));
        r.onEnd(c, 200, 1_501, NOW);
        assertEquals(1, tight(r));
    }

    @Test
    void aNewMinuteStartsWithTheBitsItsFirstWordCallsFor() {
        FastRouter r = router(UNSET, 1_600);
        pickFirst(r, 1_550, NOW);
        assertEquals(1, tight(r));
        pickFirst(r, 10, NOW + FastRouter.MINUTE_MILLIS);
        assertEquals(0, tight(r), "a new minute, 10 tokens used");
        pickFirst(r, 1_501, NOW + 2 * FastRouter.MINUTE_MILLIS);
        assertEquals(1, tight(r), "a new minute started by a claim out of the region");
        Claim c = r.pick("g", 0, NOW + 3 * FastRouter.MINUTE_MILLIS);
        assertEquals(0, tight(r));
        r.onEnd(c, 200, 1_501, NOW + 4 * FastRouter.MINUTE_MILLIS); // settled into a minute it starts
        assertEquals(c.deployment() == 0 ? 1 : 0, tight(r));
    }

    @Test
    void aDeploymentThatCanTakeNothingIsTightFromTheStart() {
        FastRouter r = router(0, UNSET);
        assertEquals(1, tight(r));
        for (int k = 0; k < 20; k++) {
            Claim c = r.pick("g", 1, NOW);
            assertEquals(1, c.deployment());
            r.onEnd(c, 200, 1, NOW);
        }
        assertEquals(1, tight(r));
    }

    /**
     * Another call's claim that left the region, caught before it set the bit (made here by claiming on the
     * minute's word directly): a pick counts the deployment a candidate, its claim is refused, and the
     * refusal sets the bit, so the pick chooses again from the words and answers as the limits do.
     */
    @Test
    void aRefusedClaimSetsTheBitItselfAndThePickAnswersAsTheLimitsDo() {
        FastRouter r = FastRouter.builder(FastRouter.SIMPLE_SHUFFLE, 3, 5_000)
                .group("g", new String[]{"d0"}, new long[]{UNSET}, new long[]{1_600}, new long[]{UNSET})
                .build();
        for (int k = 0; k < 15; k++) {
            assertNotNull(r.pick("g", 100, NOW));
        }
        MinuteUsage u = r.group("g").usage();
        assertEquals(0, u.tight());
        // regions without tpm never call for the bit at 1 600 tokens: the other call, caught before its bit
        RoomyRegions noBit = new RoomyRegions(new long[]{Long.MAX_VALUE}, new long[]{Long.MAX_VALUE});
        assertTrue(u.claim(0, 100, Long.MAX_VALUE, 1_600, noBit), "the other call's claim");
        assertEquals(1_600, MinuteUsage.tokens(u, 0));
        assertEquals(0, u.tight(), "its bit not set yet");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertNull(r.pick("g", 100, NOW), "full"));
        assertEquals(1, u.tight());
    }
}
