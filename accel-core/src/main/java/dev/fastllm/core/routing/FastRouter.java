package dev.fastllm.core.routing;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Chooses a deployment of a model group for each request with no lock: the semantics of the gateway's
 * {@code Router}, strategy for strategy, on per-deployment words updated by compare-and-set.
 *
 * <p>Strategies (one for every group): {@code simple-shuffle} (random weighted by {@code weight}, else
 * {@code rpm}, else {@code tpm}, whichever some deployment of the group sets first, unset counting 0; else
 * uniform; uniform too if every candidate weighs 0), {@code least-busy} (fewest in flight, ties at random),
 * {@code latency-based-routing} (average of the last {@value #LATENCY_SAMPLES} successful latencies, never
 * measured counting 0; uniform among those within {@link #LATENCY_BUFFER} of the lowest),
 * {@code usage-based-routing-v2} (alias {@code usage-based-routing}: fewest tokens this minute, ties at
 * random). Every strategy only considers deployments not cooling down whose {@code rpm} and {@code tpm} for
 * the current minute ({@code floor(nowMillis / 60 000)}) one more request of {@code estimatedTokens} would
 * not exceed, and the chosen one is claimed (a request and its tokens) by one compare-and-set that
 * re-checks its capacity: capacity is never oversold; a pick that loses the last unit to another chooses
 * again. Failures (0, 408, 429, 5xx) are counted in a 60 s window opened by the first; more than
 * {@code allowedFails} of them cool the deployment down for {@code cooldownMillis}.
 *
 * <p>Randomness: each thread's own {@code ThreadLocalRandom}, or with {@link Builder#seed} one seeded
 * generator per group, split in the order groups are added, drawn with the same bounds and in the same
 * order as the gateway's router: in one thread the two then choose alike every time. A seeded generator is
 * meant for one thread; shared by several, draws stay in range but are not independent.
 *
 * <p>Exactness bounds: {@code rpm} up to 1 048 575 (the builder refuses more), any {@code tpm}; a
 * deployment's tokens in a minute are exact and saturate at 2^63 - 1, as the original's (past 2^43 - 1 in a
 * minute they move from the compact word to a cell of their own); at most 64 deployments per group. Under concurrent calls: a pick's claim of capacity is atomic, but its in-flight
 * count is incremented just after it, so {@link #inFlight} may lag a pick by a moment (an end decrements it
 * just before settling), and under least-busy, whose counts move into each new minute, a count read in the
 * moment between a minute's start and that move lags the claims not moved yet; a latency average may be
 * read between an end's two updates (ring slot, then sum);
 * strategies compare in-flight counts, usage and latencies read a moment before the claim.
 */
public final class FastRouter {

    public static final String SIMPLE_SHUFFLE = "simple-shuffle";
    public static final String LEAST_BUSY = "least-busy";
    public static final String LATENCY_BASED = "latency-based-routing";
    public static final String USAGE_BASED_V2 = "usage-based-routing-v2";
    /** Latencies averaged per deployment by {@code latency-based-routing}. */
    public static final int LATENCY_SAMPLES = 10;
    /** Deployments whose average latency is within this fraction above the lowest are picked at random. */
    public static final double LATENCY_BUFFER = 0.10;
    /** Length of a usage minute and of the failure-counting window. */
    public static final long MINUTE_MILLIS = 60_000;
    /** {@link #onEnd} status for a request that ended before any upstream answer. */
    public static final int CANCELLED = -1;
    /** A limit or weight that is not set. */
    public static final long UNSET = -1;
    /** Most deployments a group may have. */
    public static final int MAX_DEPLOYMENTS = 64;

    final int strategy;
    final int allowedFails;
    final long cooldownMillis;
    /** Side-by-side usage words in aligned direct buffers ({@link MinuteUsage}); false: on the heap (tests). */
    final boolean offHeapLines;
    private final String strategyName;
    private final Map<String, Group> groups;

    private FastRouter(Builder b) {
        this.strategyName = b.strategyName;
        this.strategy = b.strategy;
        this.allowedFails = b.allowedFails;
        this.cooldownMillis = b.cooldownMillis;
        this.offHeapLines = b.offHeapLines;
        Map<String, Group> built = new HashMap<>();
        SplittableRandom seeds = b.seeded ? new SplittableRandom(b.seed) : null;
        for (GroupSpec spec : b.specs) {
            built.put(spec.name, spec.build(this, seeds == null ? null : seeds.split()));
        }
        this.groups = built;
    }

    /**
     * @param strategy       one of the four strategy names (or {@code usage-based-routing})
     * @param allowedFails   failures within a minute tolerated before a cooldown (negative counts as 0)
     * @param cooldownMillis how long a failing deployment is skipped (negative counts as 0)
     * @throws IllegalArgumentException for an unknown strategy, with the gateway router's message
     */
    public static Builder builder(String strategy, int allowedFails, long cooldownMillis) {
        return new Builder(strategy, allowedFails, cooldownMillis);
    }

    /** The strategy every group uses. */
    public String strategy() {
        return strategyName;
    }

    /** The group named {@code group}, or null (for tests). */
    Group group(String group) {
        return groups.get(group);
    }

    /** True when {@code group} has at least one deployment. */
    public boolean hasGroup(String group) {
        return groups.containsKey(group);
    }

    /**
     * Chooses a deployment of {@code group} and claims it: one request in flight, one request and
     * {@code estimatedTokens} (negative counts as 0) tokens of the current minute. Hand the claim back to
     * {@link #onEnd} exactly once, whatever happens.
     *
     * @return the claim, or null when the group is unknown or nothing is available ({@link #retryAfterMillis}
     *         then says how long to wait)
     */
    public Claim pick(String group, long estimatedTokens, long nowMillis) {
        Group g = groups.get(group);
        return g == null ? null : g.pick(Math.max(0, estimatedTokens), nowMillis);
    }

    /**
     * Ends a claim: frees its in-flight slot and settles it. 2xx: success, latency recorded, the reservation
     * replaced by {@code totalTokens} (in the pick's minute if still current, else in the current one);
     * 0, 408, 429, 5xx: a failure towards cooldown, reservation dropped; anything else (400, 404,
     * {@link #CANCELLED}, ...): reservation dropped. The request stays counted against {@code rpm}.
     *
     * @return true when this call ended the claim; false for a second end of the same claim
     */
    public boolean onEnd(Claim claim, int status, long totalTokens, long nowMillis) {
        return claim.group.end(claim, status, Math.max(0, totalTokens), nowMillis);
    }

    /**
     * Ends a claim given by its parts, for a caller that keeps the claim's once-only flag itself (a
     * -javaagent answering with its target's own route object): the same settlement as
     * {@link #onEnd(Claim, int, long, long)}. The caller must end each claim exactly once.
     *
     * @param deployment      {@link Claim#deployment()}
     * @param startedAtMillis {@link Claim#startedAtMillis()}
     * @param reservedTokens  {@link Claim#reservedTokens()}
     * @throws IllegalArgumentException for an unknown group or deployment
     */
    public void onEndClaimed(String group, int deployment, long startedAtMillis, long reservedTokens, int status,
                             long totalTokens, long nowMillis) {
        Group g = groups.get(group);
        if (g == null || deployment < 0 || deployment >= g.size) {
            throw new IllegalArgumentException("no deployment " + deployment + " in group '" + group + "'");
        }
        g.endClaimed(deployment, startedAtMillis, reservedTokens, status, Math.max(0, totalTokens), nowMillis);
    }

    /**
     * 0 when a pick of {@code estimatedTokens} could succeed now; else the time until a deployment leaves
     * cooldown and has capacity (capacity returns at the next minute). Deployments whose {@code tpm} is
     * below the estimate, or whose {@code rpm} is 0, are ignored; if that is all, the time to the next
     * minute. Unknown group: 0.
     */
    public long retryAfterMillis(String group, long estimatedTokens, long nowMillis) {
        Group g = groups.get(group);
        return g == null ? 0 : g.retryAfter(Math.max(0, estimatedTokens), nowMillis);
    }

    /** Requests in flight on {@code deploymentId} of {@code group}; 0 if unknown. */
    public int inFlight(String group, String deploymentId) {
        Group g = groups.get(group);
        int i = g == null ? -1 : g.indexOf(deploymentId);
        return i < 0 ? 0 : (int) g.inFlight(i);
    }

    /** True when {@code deploymentId} of {@code group} is cooling down at {@code nowMillis}. */
    public boolean isCoolingDown(String group, String deploymentId, long nowMillis) {
        Group g = groups.get(group);
        int i = g == null ? -1 : g.indexOf(deploymentId);
        return i >= 0 && nowMillis < g.coolUntil(i);
    }

    /**
     * What {@code group} holds per deployment apart from requests in flight, in the group's order (see
     * {@link DeploymentState}); null for an unknown group. Exact when no pick or end of the group runs
     * meanwhile. For a caller that hands a group over to another router.
     */
    public DeploymentState[] state(String group) {
        Group g = groups.get(group);
        if (g == null) {
            return null;
        }
        DeploymentState[] states = new DeploymentState[g.size];
        for (int i = 0; i < g.size; i++) {
            states[i] = g.state(i);
        }
        return states;
    }

    /**
     * Forgets what {@code group} counted: its deployments' requests and tokens in the current minute, their
     * failure windows and latencies. Keeps the minute, the cooldowns and the requests in flight. For a
     * caller that has handed the group over to another router ({@link #state}, then {@link #takeOver}
     * there), so that nothing is counted twice when the group comes back. Only when no pick or end of the
     * group runs meanwhile; an unknown group is ignored.
     */
    public void forget(String group) {
        Group g = groups.get(group);
        if (g != null) {
            g.forget();
        }
    }

    /**
     * Adds another router's state of {@code group} ({@code carried}, one per deployment in the group's
     * order, as {@link #state} gives it) to this router's own: the requests and tokens of the carried minute
     * if it is this group's current minute (added to its counts, whatever the limits) or a later one (the
     * group starts that minute with them, even with nothing used), nothing of an earlier minute; the failure
     * windows joined as {@link DeploymentState#joinFailures} says; the later cooldown end; the latencies (under
     * latency-based-routing) recorded after this group's own, oldest first. When this group counted nothing
     * of its own, it then answers every call as the router that held the carried state would. Each part is
     * one atomic update, so this may run beside calls of the group; an unknown group is ignored.
     *
     * @throws IllegalArgumentException when {@code carried} does not have one state per deployment
     */
    public void takeOver(String group, DeploymentState[] carried) {
        Group g = groups.get(group);
        if (g == null) {
            return;
        }
        if (carried.length != g.size) {
            throw new IllegalArgumentException("group '" + group + "' has " + g.size + " deployments, not "
                    + carried.length);
        }
        for (int i = 0; i < g.size; i++) {
            g.takeOver(i, carried[i]);
        }
    }

    static boolean countsAsFailure(int status) {
        return status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599);
    }

    /** Settings and groups of a router; {@link #build()} makes it. */
    public static final class Builder {
        private final String strategyName;
        private final int strategy;
        private final int allowedFails;
        private final long cooldownMillis;
        private final java.util.List<GroupSpec> specs = new java.util.ArrayList<>();
        private final java.util.Set<String> names = new java.util.HashSet<>();
        private boolean seeded;
        private long seed;
        private boolean offHeapLines = true;

        private Builder(String strategyName, int allowedFails, long cooldownMillis) {
            this.strategyName = Objects.requireNonNull(strategyName);
            switch (strategyName) {
                case SIMPLE_SHUFFLE: strategy = Choice.SIMPLE_SHUFFLE; break;
                case LEAST_BUSY: strategy = Choice.LEAST_BUSY; break;
                case LATENCY_BASED: strategy = Choice.LATENCY; break;
                case USAGE_BASED_V2:
                case "usage-based-routing": strategy = Choice.USAGE; break;
                default: throw new IllegalArgumentException("unknown routing strategy '" + strategyName + "'");
            }
            this.allowedFails = Math.max(0, allowedFails);
            this.cooldownMillis = Math.max(0, cooldownMillis);
        }

        /** Draws from generators split from {@code seed}, one per group in the order added. */
        public Builder seed(long seed) {
            this.seeded = true;
            this.seed = seed;
            return this;
        }

        /**
         * Keeps side-by-side usage words on the heap, as when no direct buffer can be had (for tests of that
         * layout).
         */
        Builder onHeapLines() {
            this.offHeapLines = false;
            return this;
        }

        /**
         * Adds a group; deployments in order, arrays of equal length, {@link #UNSET} where a limit or weight
         * is not set. A group without deployments is left out, as the gateway's router leaves it out.
         *
         * @throws IllegalArgumentException for a repeated name, more than {@link #MAX_DEPLOYMENTS}
         *         deployments, a negative value other than {@link #UNSET}, or an {@code rpm} above
         *         1 048 575 ({@code tpm} and {@code weight} may be any non-negative long)
         */
        public Builder group(String name, String[] ids, long[] rpm, long[] tpm, long[] weight) {
            if (!names.add(Objects.requireNonNull(name))) {
                throw new IllegalArgumentException("group '" + name + "' given twice");
            }
            if (ids.length > 0) {
                specs.add(new GroupSpec(name, ids.clone(), rpm.clone(), tpm.clone(), weight.clone()));
            }
            return this;
        }

        public FastRouter build() {
            return new FastRouter(this);
        }
    }

    /** One group as given to the builder, validated. */
    private static final class GroupSpec {
        final String name;
        final String[] ids;
        final long[] rpm;
        final long[] tpm;
        final long[] weight;

        GroupSpec(String name, String[] ids, long[] rpm, long[] tpm, long[] weight) {
            int n = ids.length;
            if (n > MAX_DEPLOYMENTS) {
                throw new IllegalArgumentException("group '" + name + "' has " + n + " deployments; at most "
                        + MAX_DEPLOYMENTS);
            }
            if (rpm.length != n || tpm.length != n || weight.length != n) {
                throw new IllegalArgumentException("group '" + name + "': ids, rpm, tpm and weight differ in length");
            }
            for (int i = 0; i < n; i++) {
                Objects.requireNonNull(ids[i]);
                check(name, "rpm", rpm[i], MinuteUsage.REQUESTS_MAX);
                check(name, "tpm", tpm[i], Long.MAX_VALUE);
                check(name, "weight", weight[i], Long.MAX_VALUE);
            }
            this.name = name;
            this.ids = ids;
            this.rpm = rpm;
            this.tpm = tpm;
            this.weight = weight;
        }

        private static void check(String group, String what, long v, long max) {
            if (v != UNSET && (v < 0 || v > max)) {
                throw new IllegalArgumentException("group '" + group + "': " + what + " " + v
                        + " outside 0.." + max);
            }
        }

        Group build(FastRouter router, SplittableRandom seeded) {
            int n = ids.length;
            boolean anyWeight = false;
            boolean anyRpm = false;
            boolean anyTpm = false;
            long[] rpmLimit = new long[n];
            long[] tpmLimit = new long[n];
            for (int i = 0; i < n; i++) {
                anyWeight |= weight[i] != UNSET;
                anyRpm |= rpm[i] != UNSET;
                anyTpm |= tpm[i] != UNSET;
                rpmLimit[i] = rpm[i] == UNSET ? Long.MAX_VALUE : rpm[i];
                tpmLimit[i] = tpm[i] == UNSET ? Long.MAX_VALUE : tpm[i];
            }
            long[] by = anyWeight ? weight : anyRpm ? rpm : anyTpm ? tpm : null;
            long[] weights = new long[n];
            for (int i = 0; i < n; i++) {
                weights[i] = by == null ? 1 : Math.max(0, by[i]); // unset counts 0
            }
            return new Group(router, ids, rpmLimit, tpmLimit, weights, seeded, router.offHeapLines);
        }
    }
}
