package dev.fastllm.core.routing;

import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The twin with its production randomness (each thread's own generator, no seed) against the gateway's
 * router: where a strategy chooses at random, both choose from the same deployments (never one the original
 * could not choose) with the same distribution, by a chi-square test of the two samples (p &lt; 1e-4 fails).
 */
class RouterDistributionTest {

    private static final int PICKS = 40_000;
    private static final long T0 = 1_700_000_040_000L;
    /**
     * Chi-square critical values at p = 1e-7 for 1 to 4 degrees of freedom: the twin draws from an unseeded
     * generator, so a run at p = 1e-4 failed by chance once in a few thousand comparisons (a 20 000-pick
     * sample at p = 7.5e-6 against the exact weights was seen once; 840 000 further picks fitted them).
     * With 40 000 picks a 10% bias on any deployment still fails it.
     */
    private static final double[] CRITICAL = {0, 28.374, 32.236, 35.406, 38.240};

    private static final long U = FastRouter.UNSET;

    interface Latencies {
        long of(int deployment);
    }

    /** Picks and ends {@code PICKS} times on each router (after {@code warmup} picks) and compares where they went. */
    private static void compare(String strategy, Originals.Spec spec, long tokens, int endStatus, Latencies latency,
                                int warmup) {
        Router original = Originals.original(strategy, 3, 5, 7L, spec);
        FastRouter twin = Originals.twin(strategy, 3, 5, null, spec);
        int k = spec.ids().length;
        long[] a = new long[k];
        long[] b = new long[k];
        for (int n = 0; n < warmup + PICKS; n++) {
            long now = T0 + n % 1000;
            Route r = original.pick("g", tokens, now);
            int i = Arrays.asList(spec.ids()).indexOf(r.deployment().id());
            original.onEnd(r, endStatus, tokens, now + latency.of(i));
            Claim c = twin.pick("g", tokens, now);
            twin.onEnd(c, endStatus, tokens, now + latency.of(c.deployment()));
            if (n >= warmup) {
                a[i]++;
                b[c.deployment()]++;
            }
        }
        int used = 0;
        for (int i = 0; i < k; i++) {
            assertEquals(a[i] == 0, b[i] == 0, strategy + ": deployment " + i + " chosen by one only: "
                    + Arrays.toString(a) + " vs " + Arrays.toString(b));
            if (a[i] > 0) {
                used++;
            }
        }
        double chi2 = 0;
        for (int i = 0; i < k; i++) {
            if (a[i] + b[i] == 0) {
                continue;
            }
            double expected = (a[i] + b[i]) / 2.0; // equal sample sizes
            chi2 += (a[i] - expected) * (a[i] - expected) / expected + (b[i] - expected) * (b[i] - expected) / expected;
        }
        if (used > 1) {
            assertTrue(chi2 < CRITICAL[used - 1], strategy + ": chi-square " + chi2 + " for " + Arrays.toString(a)
                    + " vs " + Arrays.toString(b));
        }
    }

    private static Originals.Spec spec(long[] rpm, long[] tpm, long[] weight) {
        String[] ids = new String[rpm.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "d" + i;
        }
        return new Originals.Spec("g", ids, rpm, tpm, weight);
    }

    @Test
    void simpleShuffleByWeight() {
        compare("simple-shuffle", spec(new long[]{U, U, U, U}, new long[]{U, U, U, U}, new long[]{1, 2, 0, 4}),
                10, 200, i -> 5, 0);
    }

    @Test
    void simpleShuffleByRpmThenUniform() {
        compare("simple-shuffle", spec(new long[]{1_000_000, 300_000, U, 600_000}, new long[]{U, U, U, U},
                new long[]{U, U, U, U}), 10, 200, i -> 5, 0);
        compare("simple-shuffle", spec(new long[]{U, U, U}, new long[]{U, U, U}, new long[]{U, U, U}),
                10, 200, i -> 5, 0);
    }

    @Test
    void leastBusyTies() {
        compare("least-busy", spec(new long[]{U, U, U, U}, new long[]{U, U, U, U}, new long[]{U, U, U, U}),
                10, 200, i -> 5, 0);
    }

    @Test
    void latencyWithinTheBuffer() {
        long[] lat = {100, 108, 115, 300};
        // after the warm-up every deployment has 10 samples: 100 and 108 are within 10 % of the lowest
        compare("latency-based-routing", spec(new long[]{U, U, U, U}, new long[]{U, U, U, U}, new long[]{U, U, U, U}),
                10, 200, i -> lat[i], 400);
    }

    @Test
    void usageTies() {
        compare("usage-based-routing-v2", spec(new long[]{U, U, U}, new long[]{U, U, U}, new long[]{U, U, U}),
                0, Router.CANCELLED, i -> 5, 0);
    }

    @Test
    void aDeterministicChoiceIsTheSameEveryTime() {
        // least-busy with two of three deployments busy: no draw decides, both choose the idle one every time
        Originals.Spec s = spec(new long[]{U, U, U}, new long[]{U, U, U}, new long[]{U, U, U});
        Router original = Originals.original("least-busy", 3, 5, 7L, s);
        FastRouter twin = Originals.twin("least-busy", 3, 5, null, s);
        int idleA = 3;
        int idleB = 3;
        for (int n = 0; n < 2; n++) {
            idleA -= Integer.parseInt(original.pick("g", 1, T0).deployment().id().substring(1));
            idleB -= twin.pick("g", 1, T0).deployment();
        }
        for (int n = 0; n < 1000; n++) {
            Route r = original.pick("g", 1, T0);
            Claim c = twin.pick("g", 1, T0);
            assertEquals(idleA, Integer.parseInt(r.deployment().id().substring(1)), "original");
            assertEquals(idleB, c.deployment(), "twin");
            original.onEnd(r, 200, 1, T0);
            twin.onEnd(c, 200, 1, T0);
        }
    }
}
