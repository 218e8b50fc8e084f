package dev.fastllm.core.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link FastRouter#onEndClaimed} settles exactly as {@link FastRouter#onEnd(Claim, int, long, long)}: two
 * seeded twins fed the same random picks, one ending its claims by the claim, the other by the claim's
 * parts, answer every pick, retry-after, in-flight count and cooldown alike.
 */
class OnEndClaimedTest {

    static final String[] STRATEGIES = {FastRouter.SIMPLE_SHUFFLE, FastRouter.LEAST_BUSY, FastRouter.LATENCY_BASED,
            FastRouter.USAGE_BASED_V2};
    static final int[] STATUSES = {200, 200, 429, 500, 0, 400, FastRouter.CANCELLED};

    static FastRouter twin(String strategy) {
        String[] ids = {"a", "b", "c"};
        long[] rpm = {6, FastRouter.UNSET, 9};
        long[] tpm = {FastRouter.UNSET, 3_000, 5_000};
        long[] weight = {1, 2, 3};
        return FastRouter.builder(strategy, 1, 4_000).seed(7).group("g", ids, rpm, tpm, weight).build();
    }

    @Test
    void endingByThePartsSettlesAsEndingByTheClaim() {
        for (String strategy : STRATEGIES) {
            FastRouter byClaim = twin(strategy);
            FastRouter byParts = twin(strategy);
            SplittableRandom r = new SplittableRandom(11);
            List<Claim[]> open = new ArrayList<>();
            long now = 500L * FastRouter.MINUTE_MILLIS;
            for (int op = 0; op < 5_000; op++) {
                now += r.nextInt(5) == 0 ? r.nextInt(20_000) : r.nextInt(300);
                if (r.nextBoolean() || open.isEmpty()) {
                    long tokens = r.nextInt(900);
                    Claim a = byClaim.pick("g", tokens, now);
                    Claim b = byParts.pick("g", tokens, now);
                    assertEquals(a == null, b == null, "op " + op);
                    if (a != null) {
                        assertEquals(a.deployment(), b.deployment(), "op " + op);
                        open.add(new Claim[] {a, b});
                    }
                } else {
                    Claim[] c = open.remove(r.nextInt(open.size()));
                    int status = STATUSES[r.nextInt(STATUSES.length)];
                    long used = r.nextInt(1_000);
                    byClaim.onEnd(c[0], status, used, now);
                    byParts.onEndClaimed("g", c[1].deployment(), c[1].startedAtMillis(), c[1].reservedTokens(), status,
                            used, now);
                }
                assertEquals(byClaim.retryAfterMillis("g", 100, now), byParts.retryAfterMillis("g", 100, now));
                for (String id : new String[] {"a", "b", "c"}) {
                    assertEquals(byClaim.inFlight("g", id), byParts.inFlight("g", id));
                    assertEquals(byClaim.isCoolingDown("g", id, now), byParts.isCoolingDown("g", id, now));
                }
            }
        }
    }

    @Test
    void anUnknownGroupOrDeploymentIsRefused() {
        FastRouter t = twin(FastRouter.LEAST_BUSY);
        assertThrows(IllegalArgumentException.class, () -> t.onEndClaimed("nope", 0, 0, 0, 200, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> t.onEndClaimed("g", 3, 0, 0, 200, 0, 0));
    }
}
