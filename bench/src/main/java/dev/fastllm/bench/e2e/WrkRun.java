package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Saturation runs with wrk (Debian package {@code wrk}): a fixed number of connections sending as fast as answers
 * come back, POST bodies from the runner's Lua script. The result is wrk's own summary, parsed; wrk's CPU is read
 * from this JVM's reaped-children CPU time around the run, since wrk has exited by the time it could be asked.
 */
public final class WrkRun {

    /** wrk's summary: requests completed, seconds, requests per second, answers outside 2xx/3xx, socket errors. */
    public record Summary(long requests, double seconds, double requestsPerSecond, long non2xx, long socketErrors) {
    }

    /** A run's summary and the CPU seconds wrk used. */
    public record Result(Summary summary, double cpuSeconds) {
    }

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(ms|s|m)");
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
    private static final Pattern SOCKET = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    private WrkRun() {
    }

    /** Parses wrk's text output; throws if it holds no summary (wrk failed). */
    public static Summary parse(String out) {
        Matcher r = REQUESTS.matcher(out);
        Matcher rps = RPS.matcher(out);
        if (!r.find() || !rps.find()) {
            throw new IllegalArgumentException("no wrk summary in: " + out);
        }
        double seconds = Double.parseDouble(r.group(2));
        seconds = switch (r.group(3)) {
            case "ms" -> seconds / 1000;
            case "m" -> seconds * 60;
            default -> seconds;
        };
        Matcher n = NON2XX.matcher(out);
        long non2xx = n.find() ? Long.parseLong(n.group(1)) : 0;
        Matcher s = SOCKET.matcher(out);
        long socket = 0;
        if (s.find()) {
            for (int g = 1; g <= 4; g++) {
                socket += Long.parseLong(s.group(g));
            }
        }
        return new Summary(Long.parseLong(r.group(1)), seconds, Double.parseDouble(rps.group(1)), non2xx, socket);
    }

    /**
     * Runs {@code wrk -t<threads> -c<connections> -d<seconds>s -s <script> <baseUrl> -- <path> <bodies> <keys> <prefix>}
     * and returns its summary, or throws with wrk's output if it gives none.
     */
    public static Result run(Path script, String baseUrl, String path, Path bodies, int keys, String keyPrefix,
                             int threads, int connections, int seconds, Path log) throws IOException, InterruptedException {
        List<String> cmd = List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "10s",
                "-s", script.toString(), baseUrl, "--", path, bodies.toString(), Integer.toString(keys), keyPrefix);
        double cpuBefore = ProcFs.reapedChildrenCpuSeconds();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        double cpu = ProcFs.reapedChildrenCpuSeconds() - cpuBefore;
        Files.writeString(log, String.join(" ", cmd) + System.lineSeparator() + out, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        if (exit != 0) {
            throw new IOException(String.format(Locale.ROOT, "wrk exited %d: %s", exit, out));
        }
        return new Result(parse(out), cpu);
    }

    /** True when {@code wrk} is on the PATH. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
