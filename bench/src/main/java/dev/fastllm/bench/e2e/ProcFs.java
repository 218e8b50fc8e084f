package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Linux's {@code /proc} and the JDK's {@code jcmd} say about a process: CPU time (user + system, its own and
 * that of children it has waited for), peak resident set and heap used after a full GC. Parsing is separate from
 * reading so it can be tested on fixed text.
 */
public final class ProcFs {

    /** Clock ticks per second of {@code /proc/<pid>/stat} times; 100 on every Linux this runs on ({@code getconf CLK_TCK}). */
    static final double TICKS_PER_SECOND = 100.0;

    private static final Pattern HEAP_USED = Pattern.compile("\\bheap\\s+total\\s+(\\d+)K,\\s+used\\s+(\\d+)K");

    private ProcFs() {
    }

    /** CPU figures of one {@code stat} line, in seconds: {@code [own user+system, waited-for children user+system]}. */
    public static double[] parseStat(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
        double own = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        double children = (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS_PER_SECOND;
        return new double[] {own, children};
    }

    /** Own CPU seconds of a live process. */
    public static double cpuSeconds(long pid) throws IOException {
        return parseStat(Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8))[0];
    }

    /** CPU seconds of this JVM's children that it has already waited for (a finished wrk's whole run). */
    public static double reapedChildrenCpuSeconds() throws IOException {
        return parseStat(Files.readString(Path.of("/proc/self/stat"), StandardCharsets.UTF_8))[1];
    }

    /** A {@code kB} field of {@code /proc/<pid>/status} such as {@code VmHWM} (peak RSS), in MiB; NaN if absent. */
    public static double parseStatusMb(List<String> status, String field) {
        for (String line : status) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    public static double statusMb(long pid, String field) throws IOException {
        return parseStatusMb(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8), field);
    }

    /** Heap used in MiB from {@code jcmd <pid> GC.heap_info} (G1, Parallel and Serial print the same first line). */
    public static double parseHeapUsedMb(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        if (!m.find()) {
            throw new IllegalArgumentException("no 'heap total ...K, used ...K' in: " + heapInfo);
        }
        return Long.parseLong(m.group(2)) / 1024.0;
    }

    /** Full GC ({@code jcmd GC.run}), then heap used in MiB ({@code jcmd GC.heap_info}). */
    public static double heapAfterGcMb(long pid) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        return parseHeapUsedMb(run(jcmd, Long.toString(pid), "GC.heap_info"));
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
