package dev.fastllm.bench.e2e;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a gateway's CPU goes, from a JFR recording: the share of execution samples whose stack passes through each
 * of the four hot paths the agent rewrites. Without the agent that share bounds what rewriting the path can gain on
 * that workload (Amdahl: a path taking share s can at best make the whole 1 / (1 - s) times faster); with it, it
 * shows what is left. JFR samples threads running Java code; time in the kernel (sockets, epoll) is not sampled,
 * so the shares are of the gateway's Java CPU.
 */
public final class HotPaths {

    /** Hot path name to the gateway class whose frames mark it; a frame of any method of that class counts. */
    public static final Map<String, String> CLASSES = Map.of(
            "tokens", "dev.fastllm.gateway.tokens.PromptTokenCounter",
            "rate limiter", "dev.fastllm.gateway.limits.KeyRateLimiter",
            "connection pool", "dev.fastllm.gateway.upstream.ConnectionPool",
            "routing", "dev.fastllm.gateway.routing.Router");

    /** The order the report shows them in. */
    public static final List<String> ORDER = List.of("tokens", "rate limiter", "connection pool", "routing");

    /** Samples in a recording, per hot path the share of them that pass through it, and the share through any. */
    public record Profile(long samples, Map<String, Double> shares, double any) {
    }

    private HotPaths() {
    }

    /** Reads {@code jdk.ExecutionSample} events of {@code recording} for the gateway's four hot paths. */
    public static Profile read(Path recording) throws IOException {
        return read(recording, ORDER, CLASSES);
    }

    /** The same for any paths: {@code classes} maps each name of {@code order} to the class that marks it. */
    static Profile read(Path recording, List<String> order, Map<String, String> classes) throws IOException {
        long total = 0;
        long any = 0;
        Map<String, Long> hits = new LinkedHashMap<>();
        order.forEach(p -> hits.put(p, 0L));
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                    continue;
                }
                total++;
                boolean hit = false;
                for (String path : order) {
                    if (passesThrough(e.getStackTrace().getFrames(), classes.get(path))) {
                        hits.merge(path, 1L, Long::sum);
                        hit = true;
                    }
                }
                if (hit) {
                    any++;
                }
            }
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (String path : order) {
            shares.put(path, total == 0 ? Double.NaN : hits.get(path) / (double) total);
        }
        return new Profile(total, shares, total == 0 ? Double.NaN : any / (double) total);
    }

    static boolean passesThrough(List<RecordedFrame> frames, String className) {
        for (RecordedFrame f : frames) {
            if (f.isJavaFrame() && f.getMethod() != null && className.equals(f.getMethod().getType().getName())) {
                return true;
            }
        }
        return false;
    }

    /** {@code jcmd <pid> JFR.start} with the {@code profile} settings (Java samples every 10 ms). */
    public static void start(long pid) throws IOException, InterruptedException {
        ProcFs.run(jcmd(), Long.toString(pid), "JFR.start", "name=e2e", "settings=profile");
    }

    /** {@code jcmd <pid> JFR.stop}, writing the recording to {@code file}. */
    public static void stop(long pid, Path file) throws IOException, InterruptedException {
        ProcFs.run(jcmd(), Long.toString(pid), "JFR.stop", "name=e2e", "filename=" + file.toAbsolutePath());
    }

    private static String jcmd() {
        return Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    }
}
