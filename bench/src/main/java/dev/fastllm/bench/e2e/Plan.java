package dev.fastllm.bench.e2e;

import java.nio.file.Path;
import java.util.List;

/**
 * What one run measures and for how long: the full plan for the published report, {@code --quick} to try the
 * runner in a few minutes (short windows, three workloads, no million-key run), or {@code --smoke}, which only
 * proves that every step still runs (one-second windows, chat only, one key count; what the build's test runs).
 *
 * @param quick             the short plan (also true for the smoke plan)
 * @param root              the repository root (jars under {@code demo-gateway/target} and {@code agent/target})
 * @param out               where REPORT.md and the charts go
 * @param work              scratch files and process logs
 * @param warmupSeconds     wrk run of each workload when a gateway process starts, before any is measured
 * @param saturationSeconds wrk run whose requests per second is the throughput
 * @param rateWarmupSeconds wrk run just before each saturation run, and constant-rate requests sent before
 *                          recording starts
 * @param rateSeconds       constant-rate requests recorded
 * @param connections       wrk connections (fast mock); the slow streaming mock gets the same
 * @param mainKeys          virtual keys of the main matrix
 * @param keyCounts         key counts of the key matrix (chat only)
 * @param rateShare         the fixed rate as a share of the no-agent saturation rate of the workload
 * @param maxRate           upper bound of the fixed rate (the JDK client's own CPU grows with it)
 * @param note              a line printed in bold at the top of the report (e.g. that the machine was busy)
 * @param smoke             the smoke plan: its figures mean nothing
 */
public record Plan(boolean quick, Path root, Path out, Path work, int warmupSeconds, int saturationSeconds,
                   int rateWarmupSeconds, int rateSeconds, int connections, int mainKeys, List<Integer> keyCounts,
                   double rateShare, double maxRate, String note, boolean smoke) {

    /** Heap of every gateway and mock JVM, so memory figures compare; a million keys do not fit (see {@link #heapFor}). */
    public static final String HEAP = "512m";
    /** The gateway reads a million-key config into a JSON tree before it keeps the keys' digests: 512 MB is too small. */
    public static final String BIG_HEAP = "2g";
    public static final int BIG_KEYS = 100_000;

    /** Parses {@code [--quick | --smoke] [--root DIR] [--out DIR] [--note TEXT]}. */
    public static Plan fromArgs(String[] args) {
        boolean quick = false;
        boolean smoke = false;
        Path root = Path.of(".");
        Path out = null;
        String note = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--smoke" -> smoke = true;
                case "--root" -> root = Path.of(value(args, ++i));
                case "--out" -> out = Path.of(value(args, ++i));
                case "--note" -> note = value(args, ++i);
                default -> throw new IllegalArgumentException("unknown argument '" + args[i]
                        + "'; usage: [--quick | --smoke] [--root DIR] [--out DIR] [--note TEXT]");
            }
        }
        if (out == null) {
            out = root.resolve("bench").resolve("results");
        }
        Path work = root.resolve("bench").resolve("target").resolve("e2e");
        if (smoke) {
            return new Plan(true, root, out, work, 1, 1, 1, 1, 8, 1_000, List.of(1), 0.25, 100, note, true);
        }
        return quick
                ? new Plan(true, root, out, work, 2, 3, 1, 3, 32, 10_000, List.of(1), 0.25, 500, note, false)
                : new Plan(false, root, out, work, 4, 7, 2, 7, 32, 10_000, List.of(1, 1_000_000), 0.25, 500, note,
                        false);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + ": missing value");
        }
        return args[i];
    }

    /** -Xmx of a gateway serving {@code keys} virtual keys. */
    public static String heapFor(int keys) {
        return keys > BIG_KEYS ? BIG_HEAP : HEAP;
    }
}
