package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cooldown handed over by {@link FastRouter#takeOver} (the agent hands a group's state over when the group
 * moves) acts as one of the twin's own: picks before its end skip the deployment, retry-after waits for it,
 * the later end is kept ({@link FastRouter#state} reads it), and a state without failures leaves the failure
 * counts as they are.
 */
class CooldownHandOverTest {

    static final long T = 500L * FastRouter.MINUTE_MILLIS;

    static FastRouter router() {
        return FastRouter.builder(FastRouter.SIMPLE_SHUFFLE, 1, 4_000).seed(3)
                .group("g", new String[] {"a"}, new long[] {FastRouter.UNSET}, new long[] {FastRouter.UNSET},
                        new long[] {FastRouter.UNSET}).build();
    }

    /** A state of deployment "a" that holds nothing but a cooldown ending at {@code until}. */
    static DeploymentState[] coolingUntil(long until) {
        return new DeploymentState[] {new DeploymentState(Long.MIN_VALUE, 0, 0, 0, 0, until, new long[0])};
    }

    static long coolUntil(FastRouter r) {
        return r.state("g")[0].coolUntil();
    }

    @Test
    void aCooldownTakenOverActsAsTheTwinsOwn() {
        FastRouter r = router();
        assertEquals(Long.MIN_VALUE, coolUntil(r), "never cooled");
        assertNull(r.state("nope"));
        r.takeOver("g", coolingUntil(T + 3_000));
        r.takeOver("g", coolingUntil(T + 1_000)); // an earlier end changes nothing
        r.takeOver("nope", coolingUntil(T + 9_000)); // unknown groups are ignored
        assertEquals(T + 3_000, coolUntil(r));
        assertTrue(r.isCoolingDown("g", "a", T + 2_999));
        assertFalse(r.isCoolingDown("g", "a", T + 3_000));
        assertNull(r.pick("g", 10, T + 1_000));
        assertEquals(2_000, r.retryAfterMillis("g", 10, T + 1_000));
        Claim c = r.pick("g", 10, T + 3_000);
        assertNotNull(c);
        // failure counts untouched: with allowed_fails 1, one failure does not cool the deployment down
        r.onEnd(c, 500, 0, T + 3_001);
        assertFalse(r.isCoolingDown("g", "a", T + 3_002));
        Claim d = r.pick("g", 10, T + 3_002);
        r.onEnd(d, 500, 0, T + 3_003);
        assertTrue(r.isCoolingDown("g", "a", T + 3_004), "the second failure in the minute cools it");
        assertEquals(T + 3_003 + 4_000, coolUntil(r));
    }
}
