package dev.fastllm.agent.gateway;

import dev.fastllm.core.routing.DeploymentState;
import dev.fastllm.core.routing.FastRouter;

import java.lang.reflect.Field;
import java.util.Arrays;

/**
 * The private state of one original {@code GroupState} that a move of its group reads and writes: the
 * arrays (read once, when the twin is made) and the {@code minute} field. Every method must be called
 * holding the group's monitor, as the original reads and writes all of it under that monitor.
 *
 * <p>What is carried is what a plain router keeps per deployment apart from requests in flight (a group
 * moves only when the side it leaves has none): the minute's requests and tokens, the failure window, the
 * cooldown end and the latency ring ({@link DeploymentState}).
 */
final class OriginalGroupState {

    /** The original's ring length, the same as the twin's; the constructor checks the original's arrays. */
    private static final int LATENCY_SAMPLES = FastRouter.LATENCY_SAMPLES;

    final int[] inFlight;
    final long[] coolUntil;
    private final Field minute;
    private final long[] minuteRequests;
    private final long[] minuteTokens;
    private final long[] latencies;
    private final int[] latencyCount;
    private final int[] latencyNext;
    private final long[] failWindowStart;
    private final int[] failCount;

    OriginalGroupState(int[] inFlight, long[] coolUntil, Field minute, long[] minuteRequests, long[] minuteTokens,
                       long[] latencies, int[] latencyCount, int[] latencyNext, long[] failWindowStart,
                       int[] failCount) {
        this.inFlight = inFlight;
        this.coolUntil = coolUntil;
        this.minute = minute;
        this.minuteRequests = minuteRequests;
        this.minuteTokens = minuteTokens;
        this.latencies = latencies;
        this.latencyCount = latencyCount;
        this.latencyNext = latencyNext;
        this.failWindowStart = failWindowStart;
        this.failCount = failCount;
        if (latencies.length != LATENCY_SAMPLES * inFlight.length) {
            throw new IllegalStateException("latency ring of " + latencies.length + " for " + inFlight.length
                    + " deployments");
        }
    }

    /** Each deployment's state, latencies oldest first. */
    DeploymentState[] read(Object group) throws IllegalAccessException {
        long m = minute.getLong(group);
        DeploymentState[] states = new DeploymentState[inFlight.length];
        for (int i = 0; i < states.length; i++) {
            int n = latencyCount[i];
            long[] ring = new long[n];
            int oldest = Math.floorMod(latencyNext[i] - n, LATENCY_SAMPLES);
            for (int k = 0; k < n; k++) {
                ring[k] = latencies[i * LATENCY_SAMPLES + (oldest + k) % LATENCY_SAMPLES];
            }
            states[i] = new DeploymentState(m, minuteRequests[i], minuteTokens[i], failWindowStart[i], failCount[i],
                    coolUntil[i], ring);
        }
        return states;
    }

    /**
     * Adds the twin's {@code carried} state to the original's, as the original's own calls would have
     * written it: a later minute rolls the original into it (as a call in that minute would), and its usage
     * is added (tokens saturating, as the original's sums do); an earlier minute's usage counts nothing;
     * failure windows joined ({@link DeploymentState#joinFailures}); the later cooldown end; latencies
     * appended to the ring as its own ends append them.
     */
    void takeOver(Object group, DeploymentState[] carried, int allowedFails) throws IllegalAccessException {
        for (int i = 0; i < carried.length; i++) {
            DeploymentState s = carried[i];
            long m = minute.getLong(group);
            if (s.minute() > m) {
                minute.setLong(group, s.minute());
                Arrays.fill(minuteRequests, 0);
                Arrays.fill(minuteTokens, 0);
                m = s.minute();
            }
            if (s.minute() == m) {
                minuteRequests[i] = saturatedAdd(minuteRequests[i], s.requests());
                minuteTokens[i] = saturatedAdd(minuteTokens[i], s.tokens());
            }
            long[] joined = DeploymentState.joinFailures(s.failStart(), s.failCount(), failWindowStart[i],
                    failCount[i], allowedFails);
            failWindowStart[i] = joined[0];
            failCount[i] = (int) joined[1];
            coolUntil[i] = Math.max(coolUntil[i], s.coolUntil());
            for (long latency : s.latencies()) {
                latencies[i * LATENCY_SAMPLES + latencyNext[i]] = latency;
                latencyNext[i] = (latencyNext[i] + 1) % LATENCY_SAMPLES;
                if (latencyCount[i] < LATENCY_SAMPLES) {
                    latencyCount[i]++;
                }
            }
        }
    }

    /** Forgets the minute's usage, the failure windows and the latencies; keeps the minute and the cooldowns. */
    void forget() {
        Arrays.fill(minuteRequests, 0);
        Arrays.fill(minuteTokens, 0);
        Arrays.fill(failCount, 0);
        Arrays.fill(failWindowStart, 0);
        Arrays.fill(latencyCount, 0);
        Arrays.fill(latencyNext, 0);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
