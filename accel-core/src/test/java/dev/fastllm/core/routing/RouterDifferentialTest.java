package dev.fastllm.core.routing;

import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The twin and the gateway's router, fed the same seeded random operations in one thread with one clock and
 * generators split from the same seed: every pick (which deployment, or none), every end's answer, every
 * retry-after, in-flight count and cooldown must be the same, for every strategy. A few estimates, totals and
 * {@code tpm}s are huge (around 2^43, 2^62, {@code Long.MAX_VALUE}), so that counts leave the compact word
 * for the wide cells ({@link MinuteUsage}) in many runs.
 */
class RouterDifferentialTest {

    private static final int[] STATUSES = {200, 200, 200, 201, 204, 400, 401, 404, 408, 409, 429, 500, 503, 0,
            Router.CANCELLED};

    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2",
            "usage-based-routing"})
    void sameAnswersAsTheOriginal(String strategy) {
        runMany(strategy, 150, false);
    }

    /**
     * As {@link #sameAnswersAsTheOriginal}, the twin handing its whole state ({@link FastRouter#state}) to a
     * spare twin and back now and then ({@link FastRouter#takeOver}, {@link FastRouter#forget} on the side
     * left), between any two operations and with claims open: a round trip must lose nothing, so every
     * answer after it is still the original's, and the state read after it is the state read before.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simple-shuffle", "least-busy", "latency-based-routing", "usage-based-routing-v2"})
    void sameAnswersWithTheStateHandedAwayAndBack(String strategy) {
        runMany(strategy, 100, true);
    }

    private static void runMany(String strategy, int runs, boolean handOvers) {
        long base = Long.getLong("router.seed", System.nanoTime());
        for (int run = 0; run < Integer.getInteger("router.runs", runs); run++) {
            long seed = base + run;
            try {
                runOnce(strategy, seed, handOvers);
            } catch (AssertionError e) {
                throw new AssertionError(strategy + " seed " + seed + " (replay with -Drouter.seed=" + seed + "): "
                        + e.getMessage(), e);
            }
        }
    }

    /** Token counts around the compact word's bound (2^43 - 1) and the long's, where the wide cells start. */
    private static final long[] HUGE = {MinuteUsage.TOKENS_MAX - 1, MinuteUsage.TOKENS_MAX, 1L << 43,
            (1L << 43) + 1, 1L << 44, 1L << 62, Long.MAX_VALUE - 1, Long.MAX_VALUE};

    /** One of {@link #HUGE}, or up to 399 below it. */
    static long huge(SplittableRandom rnd) {
        long h = HUGE[rnd.nextInt(HUGE.length)];
        return rnd.nextBoolean() ? h : h - rnd.nextInt(400);
    }

    static Originals.Spec randomSpec(SplittableRandom rnd) {
        // one group in ten is wide, up to the most a group may have (words several lines long)
        int n = rnd.nextInt(10) == 0 ? 6 + rnd.nextInt(FastRouter.MAX_DEPLOYMENTS - 5) : 1 + rnd.nextInt(5);
        String[] ids = new String[n];
        long[] rpm = new long[n];
        long[] tpm = new long[n];
        long[] weight = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = "d" + i;
            rpm[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(12) : FastRouter.UNSET;
            tpm[i] = rnd.nextInt(3) != 0 ? FastRouter.UNSET : rnd.nextInt(8) == 0 ? huge(rnd) : rnd.nextInt(2_000);
            weight[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(5) : FastRouter.UNSET;
        }
        return new Originals.Spec("g", ids, rpm, tpm, weight);
    }

    private static void runOnce(String strategy, long seed, boolean handOvers) {
        SplittableRandom rnd = new SplittableRandom(seed);
        // hand-overs drawn apart, so that the operations stay those of the seed
        SplittableRandom moves = new SplittableRandom(seed * 0x9E3779B97F4A7C15L);
        Originals.Spec spec = randomSpec(rnd);
        int allowedFails = rnd.nextInt(4);
        long cooldownSeconds = rnd.nextInt(11);
        long routerSeed = rnd.nextLong();
        boolean onHeapLines = rnd.nextInt(4) == 0; // the layout kept when no direct buffer can be had
        Router a = Originals.original(strategy, allowedFails, cooldownSeconds, routerSeed, spec);
        FastRouter b = Originals.twin(strategy, allowedFails, cooldownSeconds, routerSeed, spec, onHeapLines);
        List<Route> routes = new ArrayList<>();
        List<Claim> claims = new ArrayList<>();
        long now = 1_700_000_000_000L + rnd.nextLong(1_000_000);
        int steps = 50 + rnd.nextInt(250);
        for (int step = 0; step < steps; step++) {
            if (handOvers && moves.nextInt(12) == 0) {
                handAwayAndBack(b, strategy, allowedFails, cooldownSeconds, spec, "before step " + step);
            }
            int op = rnd.nextInt(100);
            String what;
            if (op < 40) {
                String group = rnd.nextInt(20) == 0 ? "unknown" : "g";
                int kind = rnd.nextInt(100);
                long tokens = kind < 10 ? -rnd.nextInt(100) : kind < 12 ? huge(rnd) : rnd.nextInt(400);
                what = "pick " + group + " " + tokens;
                Route r = a.pick(group, tokens, now);
                Claim c = b.pick(group, tokens, now);
                assertEquals(r == null ? null : r.deployment().id(), c == null ? null : c.deploymentId(), what);
                if (r != null) {
                    assertEquals(r.startedAtMillis(), c.startedAtMillis(), what);
                    assertEquals(r.reservedTokens(), c.reservedTokens(), what);
                    routes.add(r);
                    claims.add(c);
                }
            } else if (op < 75 && !routes.isEmpty()) {
                int i = rnd.nextInt(routes.size());
                int status = STATUSES[rnd.nextInt(STATUSES.length)];
                int kind = rnd.nextInt(100);
                long total = kind < 10 ? -5 : kind < 13 ? huge(rnd) : rnd.nextInt(600);
                what = "end " + i + " status " + status + " total " + total;
                assertEquals(a.onEnd(routes.get(i), status, total, now), b.onEnd(claims.get(i), status, total, now), what);
                if (rnd.nextInt(4) != 0) { // keep some ended routes: a second end must change nothing
                    routes.remove(i);
                    claims.remove(i);
                }
            } else if (op < 85) {
                long tokens = rnd.nextInt(20) == 0 ? huge(rnd) : rnd.nextInt(3_000);
                what = "retryAfter " + tokens;
                assertEquals(a.retryAfterMillis("g", tokens, now), b.retryAfterMillis("g", tokens, now), what);
            } else if (op < 97) {
                long dt = rnd.nextInt(4) == 0 ? rnd.nextLong(90_000) : rnd.nextInt(3_000);
                now += dt;
                what = "tick " + dt;
            } else {
                long dt = rnd.nextInt(70_000);
                now -= dt; // callers' clocks are not monotonic across threads
                what = "back " + dt;
            }
            String where = "after step " + step + " (" + what + ")";
            for (String id : spec.ids()) {
                assertEquals(a.inFlight("g", id), b.inFlight("g", id), where + " in flight " + id);
                assertEquals(a.isCoolingDown("g", id, now), b.isCoolingDown("g", id, now), where + " cooling " + id);
            }
            assertEquals(a.hasGroup("g"), b.hasGroup("g"));
        }
    }

    /** Hands {@code b}'s group to a new twin that counted nothing, forgets it in {@code b}, and takes it back. */
    private static void handAwayAndBack(FastRouter b, String strategy, int allowedFails, long cooldownSeconds,
                                        Originals.Spec spec, String at) {
        DeploymentState[] before = b.state("g");
        FastRouter spare = Originals.twin(strategy, allowedFails, cooldownSeconds, null, spec);
        spare.takeOver("g", before);
        b.forget("g");
        for (DeploymentState s : b.state("g")) {
            assertEquals(0, s.requests(), at + ": forgotten");
            assertEquals(0, s.tokens(), at);
            assertEquals(0, s.failCount(), at);
            assertEquals(0, s.latencies().length, at);
        }
        b.takeOver("g", spare.state("g"));
        spare.forget("g");
        DeploymentState[] after = b.state("g");
        for (int i = 0; i < before.length; i++) {
            assertEquals(comparable(before[i]), comparable(after[i]), at + ": deployment " + i);
        }
    }

    /** A state with the start of an empty failure window dropped: no answer reads it. */
    private static DeploymentState comparable(DeploymentState s) {
        return new DeploymentState(s.minute(), s.requests(), s.tokens(), s.failCount() == 0 ? 0 : s.failStart(),
                s.failCount(), s.coolUntil(), s.latencies());
    }
}
