package dev.fastllm.gateway.routing;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.RouterSettings;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses a deployment of a model group for each request, as LiteLLM's router does.
 *
 * <p>Strategies ({@code router_settings.routing_strategy}, one for every group):
 * <ul>
 *   <li>{@code simple-shuffle}: random, weighted by {@code weight}, else by {@code rpm}, else by {@code tpm}
 *       (whichever some deployment of the group sets first in that order; unset counts 0), else uniform;</li>
 *   <li>{@code least-busy}: fewest requests in flight, ties broken at random;</li>
 *   <li>{@code latency-based-routing}: average of each deployment's last {@value #LATENCY_SAMPLES} successful
 *       latencies; a deployment never measured counts as fastest; uniform choice among deployments within
 *       {@link #LATENCY_BUFFER} of the lowest average (LiteLLM's lowest-latency buffer);</li>
 *   <li>{@code usage-based-routing-v2}: lowest tokens used in the current minute, ties at random.</li>
 * </ul>
 * Every strategy only considers deployments that are not cooling down and whose {@code rpm} and {@code tpm} for
 * the current minute ({@code nowMillis / 60 000}) this request would not exceed: one request, and
 * {@code estimatedTokens} reserved at pick time and settled with the real usage at the end.
 *
 * <p>Cooldown (LiteLLM's {@code allowed_fails} / {@code cooldown_time}): a failure is a 408, a 429, a 5xx or a
 * connection error (status 0); other statuses (400, 401, 404, ...) are the request's fault and do not count.
 * Failures are counted in a 60 s window opened by the first one; when the count exceeds {@code allowed_fails}
 * the deployment is skipped for {@code cooldown_time} and its count starts again.
 *
 * <p>Design: like LiteLLM's routing strategies, state is kept per model group (in-flight counts, this minute's
 * usage, latency samples, failures and cooldowns) in primitive arrays, and every read-modify-write of a group
 * happens under that group's monitor: {@link #pick} chooses and claims in one critical section, so two
 * concurrent picks can never both take a deployment's last unit of capacity. Groups never contend with each
 * other. Each group draws from its own seeded {@link SplittableRandom}, used only under its monitor.
 *
 * <p>Time is passed in; minutes are {@code floor(nowMillis / 60 000)}, so pass wall-clock milliseconds for
 * calendar minutes.
 */
public final class Router {

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
    /** {@link #onEnd} status for a request that ended before any upstream answer (client went away). */
    public static final int CANCELLED = -1;

    private enum Strategy { SIMPLE_SHUFFLE, LEAST_BUSY, LATENCY, USAGE }

    private enum WeightBy { WEIGHT, RPM, TPM, UNIFORM }

    private final Strategy strategy;
    private final String strategyName;
    private final int allowedFails;
    private final long cooldownMillis;
    private final Map<String, GroupState> groups;

    /** A router over every group of {@code config}, with a random seed. */
    public Router(GatewayConfig config) {
        this(config.groups(), config.router(), ThreadLocalRandom.current().nextLong());
    }

    /**
     * @param groups   deployments by model group, each list in configuration order
     * @param settings strategy, {@code allowed_fails} and {@code cooldown_time}
     * @param seed     seeds every group's random choices, for reproducible tests
     */
    public Router(Map<String, List<Deployment>> groups, RouterSettings settings, long seed) {
        this.strategyName = settings.routingStrategy();
        this.strategy = switch (strategyName) {
            case SIMPLE_SHUFFLE -> Strategy.SIMPLE_SHUFFLE;
            case LEAST_BUSY -> Strategy.LEAST_BUSY;
            case LATENCY_BASED -> Strategy.LATENCY;
            case USAGE_BASED_V2, "usage-based-routing" -> Strategy.USAGE;
            default -> throw new IllegalArgumentException("unknown routing strategy '" + strategyName + "'");
        };
        this.allowedFails = Math.max(0, settings.allowedFails());
        this.cooldownMillis = Math.max(0, settings.cooldownTime().toMillis());
        Map<String, GroupState> states = new HashMap<>();
        SplittableRandom seeds = new SplittableRandom(seed);
        groups.forEach((name, deployments) -> {
            if (!deployments.isEmpty()) {
                states.put(name, new GroupState(deployments.toArray(new Deployment[0]), seeds.split()));
            }
        });
        this.groups = Map.copyOf(states);
    }

    /** The strategy every group uses. */
    public String strategy() {
        return strategyName;
    }

    /** True when {@code group} has at least one deployment. */
    public boolean hasGroup(String group) {
        return groups.containsKey(group);
    }

    /**
     * Chooses a deployment of {@code group} for a request of about {@code estimatedTokens} tokens and claims it:
     * one request in flight, one request and {@code estimatedTokens} tokens of the current minute. The caller
     * must hand the route back to {@link #onEnd} exactly once, whatever happens (use {@code finally}).
     *
     * @return the route, or null when the group is unknown or no deployment is available (all cooling down,
     *         or every deployment's {@code rpm}/{@code tpm} would be exceeded); {@link #retryAfterMillis} then
     *         says how long to wait
     */
    public Route pick(String group, long estimatedTokens, long nowMillis) {
        GroupState state = groups.get(group);
        if (state == null) {
            return null;
        }
        return state.pick(Math.max(0, estimatedTokens), nowMillis);
    }

    /**
     * Ends a route: frees its in-flight slot and settles its outcome. A second call for the same route does
     * nothing and returns false.
     *
     * <ul>
     *   <li>2xx: success; the latency {@code nowMillis - startedAtMillis} is recorded and the token reservation is
     *       replaced by {@code totalTokens} (in the minute of the pick if it is still current, else in the
     *       current minute);</li>
     *   <li>0 (connection error, timeout), 408, 429, 5xx: a failure towards cooldown; reservation dropped;</li>
     *   <li>{@link #CANCELLED} and any other status (400, 401, 404, ...): no failure; reservation dropped.</li>
     * </ul>
     * The request itself stays counted against the minute's {@code rpm} in every case.
     *
     * @param totalTokens prompt plus completion tokens the provider reported (used on success only)
     * @return true when this call ended the route
     */
    public boolean onEnd(Route route, int status, long totalTokens, long nowMillis) {
        return route.group.end(route, status, Math.max(0, totalTokens), nowMillis);
    }

    /**
     * How long until {@link #pick} could succeed in {@code group} for a request of {@code estimatedTokens}: 0
     * when a deployment is available now; otherwise the earliest time a deployment leaves cooldown and has
     * capacity (a new minute resets capacity). Deployments whose {@code tpm} is below {@code estimatedTokens} are
     * ignored; if that is all of them, the time to the next minute. Unknown group: 0.
     */
    public long retryAfterMillis(String group, long estimatedTokens, long nowMillis) {
        GroupState state = groups.get(group);
        return state == null ? 0 : state.retryAfter(Math.max(0, estimatedTokens), nowMillis);
    }

    /** Requests in flight on deployment {@code deploymentId} of {@code group}; 0 if unknown. */
    public int inFlight(String group, String deploymentId) {
        GroupState state = groups.get(group);
        return state == null ? 0 : state.inFlight(deploymentId);
    }

    /** True when deployment {@code deploymentId} of {@code group} is cooling down at {@code nowMillis}. */
    public boolean isCoolingDown(String group, String deploymentId, long nowMillis) {
        GroupState state = groups.get(group);
        return state != null && state.coolingDown(deploymentId, nowMillis);
    }

    static boolean countsAsFailure(int status) {
        return status == 0 || status == 408 || status == 429 || (status >= 500 && status <= 599);
    }

    /** Everything the router knows about one model group; every method holds the group's monitor. */
    final class GroupState {
        private final Deployment[] deployments;
        private final SplittableRandom random;
        private final WeightBy weightBy;
        private final long[] weights;
        private final long[] rpmLimit;
        private final long[] tpmLimit;

        private final int[] inFlight;
        private long minute = Long.MIN_VALUE;
        private final long[] minuteRequests;
        private final long[] minuteTokens;
        private final long[] latencies;        // LATENCY_SAMPLES per deployment, a ring each
        private final int[] latencyCount;
        private final int[] latencyNext;
        private final long[] failWindowStart;
        private final int[] failCount;
        private final long[] coolUntil;
        private final int[] candidates;        // scratch, used under the monitor only

        GroupState(Deployment[] deployments, SplittableRandom random) {
            int n = deployments.length;
            this.deployments = deployments;
            this.random = random;
            this.rpmLimit = new long[n];
            this.tpmLimit = new long[n];
            this.weights = new long[n];
            boolean anyWeight = false;
            boolean anyRpm = false;
            boolean anyTpm = false;
            for (int i = 0; i < n; i++) {
                Deployment d = deployments[i];
                rpmLimit[i] = d.rpm().orElse(Long.MAX_VALUE);
                tpmLimit[i] = d.tpm().orElse(Long.MAX_VALUE);
                anyWeight |= d.weight().isPresent();
                anyRpm |= d.rpm().isPresent();
                anyTpm |= d.tpm().isPresent();
            }
            this.weightBy = anyWeight ? WeightBy.WEIGHT : anyRpm ? WeightBy.RPM : anyTpm ? WeightBy.TPM : WeightBy.UNIFORM;
            for (int i = 0; i < n; i++) {
                Deployment d = deployments[i];
                weights[i] = switch (weightBy) {
                    case WEIGHT -> d.weight().orElse(0);
                    case RPM -> d.rpm().orElse(0);
                    case TPM -> d.tpm().orElse(0);
                    case UNIFORM -> 1;
                };
            }
            this.inFlight = new int[n];
            this.minuteRequests = new long[n];
            this.minuteTokens = new long[n];
            this.latencies = new long[n * LATENCY_SAMPLES];
            this.latencyCount = new int[n];
            this.latencyNext = new int[n];
            this.failWindowStart = new long[n];
            this.failCount = new int[n];
            this.coolUntil = new long[n];
            Arrays.fill(coolUntil, Long.MIN_VALUE);
            this.candidates = new int[n];
        }

        synchronized Route pick(long estimatedTokens, long now) {
            rollMinute(now);
            int count = 0;
            for (int i = 0; i < deployments.length; i++) {
                if (now >= coolUntil[i] && fits(i, estimatedTokens)) {
                    candidates[count++] = i;
                }
            }
            if (count == 0) {
                return null;
            }
            int chosen = switch (strategy) {
                case SIMPLE_SHUFFLE -> weighted(count);
                case LEAST_BUSY -> leastBusy(count);
                case LATENCY -> lowestLatency(count);
                case USAGE -> lowestUsage(count);
            };
            inFlight[chosen]++;
            minuteRequests[chosen]++;
            minuteTokens[chosen] = saturatedAdd(minuteTokens[chosen], estimatedTokens);
            return new Route(deployments[chosen], now, estimatedTokens, this, chosen);
        }

        synchronized boolean end(Route route, int status, long totalTokens, long now) {
            if (route.ended) {
                return false;
            }
            route.ended = true;
            int i = route.index;
            if (inFlight[i] > 0) {
                inFlight[i]--;
            }
            rollMinute(now);
            boolean sameMinute = Math.floorDiv(route.startedAtMillis(), MINUTE_MILLIS) == minute;
            if (sameMinute) {
                minuteTokens[i] = Math.max(0, minuteTokens[i] - route.reservedTokens());
            }
            if (status >= 200 && status <= 299) {
                minuteTokens[i] = saturatedAdd(minuteTokens[i], totalTokens);
                int base = i * LATENCY_SAMPLES;
                latencies[base + latencyNext[i]] = Math.max(0, now - route.startedAtMillis());
                latencyNext[i] = (latencyNext[i] + 1) % LATENCY_SAMPLES;
                if (latencyCount[i] < LATENCY_SAMPLES) {
                    latencyCount[i]++;
                }
            } else if (countsAsFailure(status)) {
                recordFailure(i, now);
            }
            return true;
        }

        private void recordFailure(int i, long now) {
            if (failCount[i] == 0 || now - failWindowStart[i] >= MINUTE_MILLIS) {
                failWindowStart[i] = now;
                failCount[i] = 0;
            }
            failCount[i]++;
            if (failCount[i] > allowedFails) {
                coolUntil[i] = Math.max(coolUntil[i], now + cooldownMillis);
                failCount[i] = 0;
            }
        }

        synchronized long retryAfter(long estimatedTokens, long now) {
            rollMinute(now);
            long nextMinute = (Math.floorDiv(now, MINUTE_MILLIS) + 1) * MINUTE_MILLIS;
            long earliest = Long.MAX_VALUE;
            for (int i = 0; i < deployments.length; i++) {
                if (estimatedTokens > tpmLimit[i] || rpmLimit[i] == 0) {
                    continue; // never fits
                }
                long at = fits(i, estimatedTokens) ? now : nextMinute;
                at = Math.max(at, coolUntil[i]);
                earliest = Math.min(earliest, at);
            }
            if (earliest == Long.MAX_VALUE) {
                earliest = nextMinute;
            }
            return Math.max(0, earliest - now);
        }

        synchronized int inFlight(String deploymentId) {
            int i = indexOf(deploymentId);
            return i < 0 ? 0 : inFlight[i];
        }

        synchronized boolean coolingDown(String deploymentId, long now) {
            int i = indexOf(deploymentId);
            return i >= 0 && now < coolUntil[i];
        }

        private int indexOf(String deploymentId) {
            for (int i = 0; i < deployments.length; i++) {
                if (deployments[i].id().equals(deploymentId)) {
                    return i;
                }
            }
            return -1;
        }

        private void rollMinute(long now) {
            long current = Math.floorDiv(now, MINUTE_MILLIS);
            if (current > minute) {
                minute = current;
                Arrays.fill(minuteRequests, 0);
                Arrays.fill(minuteTokens, 0);
            }
        }

        private boolean fits(int i, long estimatedTokens) {
            return minuteRequests[i] < rpmLimit[i] && estimatedTokens <= tpmLimit[i] - minuteTokens[i];
        }

        private int weighted(int count) {
            long total = 0;
            for (int c = 0; c < count; c++) {
                total += weights[candidates[c]];
            }
            if (total <= 0) {
                return candidates[random.nextInt(count)];
            }
            long r = random.nextLong(total);
            for (int c = 0; c < count; c++) {
                r -= weights[candidates[c]];
                if (r < 0) {
                    return candidates[c];
                }
            }
            return candidates[count - 1];
        }

        private int leastBusy(int count) {
            int best = Integer.MAX_VALUE;
            int ties = 0;
            for (int c = 0; c < count; c++) {
                int load = inFlight[candidates[c]];
                if (load < best) {
                    best = load;
                    ties = 0;
                }
                if (load == best) {
                    candidates[ties++] = candidates[c];
                }
            }
            return candidates[random.nextInt(ties)];
        }

        private int lowestUsage(int count) {
            long best = Long.MAX_VALUE;
            int ties = 0;
            for (int c = 0; c < count; c++) {
                long used = minuteTokens[candidates[c]];
                if (used < best) {
                    best = used;
                    ties = 0;
                }
                if (used == best) {
                    candidates[ties++] = candidates[c];
                }
            }
            return candidates[random.nextInt(ties)];
        }

        private int lowestLatency(int count) {
            double lowest = Double.MAX_VALUE;
            for (int c = 0; c < count; c++) {
                lowest = Math.min(lowest, averageLatency(candidates[c]));
            }
            double threshold = lowest * (1 + LATENCY_BUFFER);
            int within = 0;
            for (int c = 0; c < count; c++) {
                if (averageLatency(candidates[c]) <= threshold) {
                    candidates[within++] = candidates[c];
                }
            }
            return candidates[random.nextInt(within)];
        }

        private double averageLatency(int i) {
            int n = latencyCount[i];
            if (n == 0) {
                return 0;
            }
            long sum = 0;
            int base = i * LATENCY_SAMPLES;
            for (int s = 0; s < n; s++) {
                sum += latencies[base + s];
            }
            return (double) sum / n;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
