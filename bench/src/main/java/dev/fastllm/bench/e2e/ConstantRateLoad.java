package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Constant-rate load for latency percentiles, with the JDK's {@link HttpClient} (wrk2, which does this in C, is not
 * in Debian). Request {@code i} is due at {@code start + i / rate}; it is sent asynchronously at that time, never
 * held back by an earlier slow answer, and its latency is counted from when it was due, not from when it went
 * out. So a server (or a CPU shared with it) that stalls is charged for every request it delayed, and not only for
 * the one it was busy with: coordinated omission avoided as wrk2 avoids it. The first {@code warmupSeconds} of
 * requests are sent but not recorded.
 */
public final class ConstantRateLoad {

    /**
     * Figures of the recorded part: latency in microseconds from due time to the last body byte, the gateway's
     * {@code x-gateway-overhead-ms} header where present, requests recorded, answers outside 2xx, requests that
     * failed or got no answer within the drain time, this JVM's CPU seconds during the recorded part, and the CPU
     * seconds of each watched process (the gateway, the mocks) during the same part.
     */
    public record Result(Percentiles latencyMicros, Percentiles overheadMillis, long recorded, long non2xx, long failed,
                         double cpuSeconds, double[] watchedCpuSeconds, double seconds) {
    }

    private ConstantRateLoad() {
    }

    public static Result run(URI uri, List<String> bodies, int keys, String keyPrefix, double rate,
                             int warmupSeconds, int seconds, long... watched) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        int capacity = (int) Math.ceil(rate * seconds) + 16;
        long[] latency = new long[capacity];
        long[] overhead = new long[capacity];
        AtomicInteger latencyCount = new AtomicInteger();
        AtomicInteger overheadCount = new AtomicInteger();
        AtomicLong non2xx = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong outstanding = new AtomicLong();
        long periodNanos = (long) (1e9 / rate);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long recordFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long end = recordFrom + TimeUnit.SECONDS.toNanos(seconds);
        long pid = ProcessHandle.current().pid();
        double cpuStart = Double.NaN;
        double[] watchedCpu = new double[watched.length];
        long recordedSent = 0;
        for (long i = 0; ; i++) {
            long due = start + i * periodNanos;
            if (due >= end) {
                break;
            }
            if (Double.isNaN(cpuStart) && due >= recordFrom) {
                cpuStart = ProcFs.cpuSeconds(pid);
                for (int w = 0; w < watched.length; w++) {
                    watchedCpu[w] = -ProcFs.cpuSeconds(watched[w]);
                }
            }
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            boolean record = due >= recordFrom;
            if (record) {
                recordedSent++;
            }
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + keyPrefix + (i % keys))
                    .POST(HttpRequest.BodyPublishers.ofString(bodies.get((int) (i % bodies.size())))).build();
            outstanding.incrementAndGet();
            http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                long micros = (System.nanoTime() - due) / 1_000;
                outstanding.decrementAndGet();
                if (!record) {
                    return;
                }
                if (error != null) {
                    failed.incrementAndGet();
                    return;
                }
                if (response.statusCode() / 100 != 2) {
                    non2xx.incrementAndGet();
                }
                int at = latencyCount.getAndIncrement();
                if (at < capacity) {
                    latency[at] = micros;
                }
                response.headers().firstValue("x-gateway-overhead-ms").ifPresent(v -> {
                    int o = overheadCount.getAndIncrement();
                    if (o < capacity) {
                        overhead[o] = Long.parseLong(v.trim());
                    }
                });
            });
        }
        double cpu = ProcFs.cpuSeconds(pid) - (Double.isNaN(cpuStart) ? ProcFs.cpuSeconds(pid) : cpuStart);
        for (int w = 0; w < watched.length; w++) {
            watchedCpu[w] += ProcFs.cpuSeconds(watched[w]);
        }
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
            Thread.sleep(5);
        }
        int done = Math.min(capacity, latencyCount.get());
        long unanswered = recordedSent - done - failed.get();
        return new Result(new Percentiles(latency, done), new Percentiles(overhead, Math.min(capacity, overheadCount.get())),
                recordedSent, non2xx.get(), failed.get() + Math.max(0, unanswered), cpu, watchedCpu, seconds);
    }
}
