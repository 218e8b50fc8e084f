package dev.fastllm.core.limits;

import java.lang.ref.Reference;

/**
 * Run by {@link NoHumongousTest} in a JVM of its own: fills a limiter with {@code args[0]} keys between two
 * full collections, printing a marker line before each so the test can tell the collector's log lines apart.
 */
public final class HumongousProbe {
    private HumongousProbe() {
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = "probe-" + i;
        }
        System.out.println("PROBE before");
        System.gc();
        LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        for (String key : keys) {
            limiter.tryAcquire(key, 100, 100_000, 10, 300, 3_000_000L, d);
            limiter.release(key);
        }
        System.out.println("PROBE after " + limiter.trackedKeys());
        System.gc();
        System.out.println("PROBE end");
        Reference.reachabilityFence(keys);
        Reference.reachabilityFence(limiter);
    }
}
