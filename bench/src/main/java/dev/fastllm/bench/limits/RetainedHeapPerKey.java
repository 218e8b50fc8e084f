package dev.fastllm.bench.limits;

import dev.fastllm.core.limits.LimitDecision;
import dev.fastllm.core.limits.LockFreeKeyRateLimiter;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import io.github.bucket4j.Bucket;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retained memory per tracked key at N keys (default 1 000 000), key strings excluded: the gateway's limiter,
 * its lock-free twin, and Bucket4j (one local bucket per key in a {@link ConcurrentHashMap}, one bandwidth:
 * requests per minute, the least Bucket4j needs for a per-key limit). Each is filled with one admitted and
 * released request per key, then the used heap after full collections is compared with the used heap before,
 * plus any change in direct and mapped buffers (off-heap). Runs each several times; prints every run and the
 * median.
 *
 * <p>Run with a fixed heap so the collector does not resize between measurements, e.g.
 * {@code java -Xms2g -Xmx2g -XX:+UseG1GC -cp bench/target/benchmarks.jar dev.fastllm.bench.limits.RetainedHeapPerKey}.
 */
public final class RetainedHeapPerKey {
    private static final long NOW = 1_000_000_000L;

    private RetainedHeapPerKey() {
    }

    public static void main(String[] args) {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String[] names = LimiterBenchmark.Limiter.keys(keys);
        System.out.printf(Locale.ROOT, "retained bytes per key at %,d keys (key strings excluded), %s %s%n", keys,
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        for (String impl : new String[] {"original", "twin", "bucket4j"}) {
            double[] perKey = new double[runs];
            for (int r = 0; r < runs; r++) {
                long heapBefore = usedHeapAfterGc();
                long offHeapBefore = offHeap();
                Object limiter = fill(impl, names);
                long heapAfter = usedHeapAfterGc();
                long offHeapAfter = offHeap();
                Reference.reachabilityFence(limiter);
                perKey[r] = (double) (heapAfter - heapBefore + offHeapAfter - offHeapBefore) / keys;
            }
            double[] sorted = perKey.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "%-9s median %6.1f B/key   runs %s%n", impl, sorted[runs / 2],
                    Arrays.toString(perKey));
        }
        Reference.reachabilityFence(names);
    }

    private static Object fill(String impl, String[] names) {
        switch (impl) {
            case "original" -> {
                KeyRateLimiter limiter = new KeyRateLimiter();
                KeyLimits limits = new KeyLimits(100, 100_000, 10);
                for (String key : names) {
                    limiter.tryAcquire(key, limits, 300, NOW);
                    limiter.release(key);
                }
                return limiter;
            }
            case "twin" -> {
                LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
                LimitDecision d = new LimitDecision();
                for (String key : names) {
                    limiter.tryAcquire(key, 100, 100_000, 10, 300, NOW, d);
                    limiter.release(key);
                }
                return limiter;
            }
            case "bucket4j" -> {
                ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
                for (String key : names) {
                    buckets.computeIfAbsent(key, k -> Bucket.builder()
                            .addLimit(limit -> limit.capacity(100).refillGreedy(100, Duration.ofMinutes(1)))
                            .build()).tryConsume(1);
                }
                return buckets;
            }
            default -> throw new IllegalArgumentException(impl);
        }
    }

    private static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static long offHeap() {
        long used = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            used += pool.getMemoryUsed();
        }
        return used;
    }
}
