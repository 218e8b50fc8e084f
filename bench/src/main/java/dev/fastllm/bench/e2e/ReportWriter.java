package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes {@code REPORT.md} from {@link Results}: the machine, the command, the agent's points, then one table per
 * question (throughput, latency at a fixed rate, memory and start-up, keys, targets), and the charts beside it
 * ({@link Charts}). Every figure is from this run; published figures of other gateways stay in their own table.
 */
final class ReportWriter {

    private final Plan plan;
    private final Results r;
    private final String started;
    private final double minutes;
    private final String args;
    private final String loadAtStart;
    private final StringBuilder md = new StringBuilder();

    ReportWriter(Plan plan, Results results, String started, double minutes, String args, String loadAtStart) {
        this.loadAtStart = loadAtStart;
        this.plan = plan;
        this.r = results;
        this.started = started;
        this.minutes = minutes;
        this.args = args;
    }

    Path write() throws IOException {
        Files.createDirectories(plan.out());
        List<String> charts = Charts.write(plan.out(), r);
        header();
        points();
        throughput();
        latency();
        profiles();
        memory();
        keys();
        ReportTargets.append(md, r);
        anchors();
        for (String chart : charts) {
            md.append("![").append(chart).append("](").append(chart).append(")\n\n");
        }
        method();
        Path file = plan.out().resolve("REPORT.md");
        Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private void header() {
        md.append("# End-to-end report: the demo gateway with and without the agent\n\n");
        if (!plan.note().isEmpty()) {
            md.append("**").append(plan.note()).append("**\n\n");
        }
        md.append("| | |\n|---|---|\n");
        row2("Date (UTC)", started);
        row2("Command", "`bench/run-e2e.sh" + (args.isEmpty() ? "" : " " + args) + "`"
                + (plan.smoke() ? " (smoke plan: its figures mean nothing)" : plan.quick() ? " (quick plan)" : " (full plan)"));
        row2("Duration", fmt("%.1f min", minutes));
        row2("Machine", Machine.describe());
        row2("Load average (1, 5, 15 min)", loadAtStart + " at the start, " + Machine.loadAverage()
                + " at the end (above about 1, other processes shared the cores: figures are noisy)");
        row2("JVM", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", gateway and mocks `-Xms" + Plan.HEAP + " -Xmx" + Plan.HEAP + "` (" + Plan.BIG_HEAP
                + " for a million keys)");
        row2("Load", fmt("each gateway process warmed with wrk, %d s per workload; then per workload: wrk, 2 threads,"
                        + " %d connections, %d s warm-up and %d s at saturation; then a constant rate of %.0f %% of the"
                        + " no-agent saturation rate (at most %.0f/s), JDK HttpClient, %d s warm-up, %d s recorded",
                plan.warmupSeconds(), plan.connections(), plan.rateWarmupSeconds(), plan.saturationSeconds(),
                plan.rateShare() * 100, plan.maxRate(), plan.rateWarmupSeconds(), plan.rateSeconds()));
        row2("Mocks", "`demo-gateway.jar mock --usage estimate`: one at zero latency; one at 300 ms, 10 chunks 2 ms apart, for streams");
        md.append('\n');
    }

    private void points() {
        md.append("## The agent's points in this build\n\n| Point | Start line |\n|---|---|\n");
        Set<String> names = new LinkedHashSet<>(AgentPoints.KNOWN);
        names.addAll(r.points.keySet());
        for (String p : names) {
            String status = r.points.get(p);
            md.append("| `").append(p).append("` | ")
                    .append(status == null ? "no start line: this agent build does not rewrite it, or its target class never loaded in the gateway" : status)
                    .append(" |\n");
        }
        md.append("\nA point measured alone has every other point off and runs chat, RAG and streaming on o200k_base"
                + " (the other workloads differ only for the tokens point, and all on runs them). While the agent rewrites"
                + " one point, \"only\" that point is the same as all on and is not run twice.\n\n");
    }

    private void throughput() {
        md.append("## Throughput at saturation\n\n")
                .append("Requests per second with wrk at saturation; the ratio is to the gateway without the agent on the"
                        + " same workload: of its two runs (the first process and, in the main matrix, the last), the"
                        + " faster, so that a baseline slowed down by the machine never flatters the agent. CPU s / 1k req: the gateway's CPU seconds per 1 000 requests. Cores: CPU seconds"
                        + " per second of the gateway, of both mocks and of wrk during the run (2 cores in all).\n\n")
                .append("Streaming is bounded by its connections and the slow mock (32 connections over about 330 ms:"
                        + " at most about 97 req/s), so its saturation figure shows whether the gateway keeps up, not how"
                        + " fast it could go.\n\n")
                .append("| Workload | Variant | Keys | req/s | vs no agent | errors | CPU s / 1k req | gateway cores | mock cores | wrk cores |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Results.Row row : r.rows) {
            Results.Saturation s = row.saturation();
            md.append(fmt("| %s | %s | %d | %.0f | %s | %d | %.3f | %.2f | %.2f | %.2f |%n", row.workload(), row.variant(),
                    row.keys(), s.rps(), ratio(row, s.rps()), s.errors(), s.cpuPerThousand(), s.gatewayCpu() / s.seconds(),
                    s.mockCpu() / s.seconds(), s.wrkCpu() / s.seconds()));
        }
        md.append('\n');
    }

    private String ratio(Results.Row row, double rps) {
        Results.Row base = ReportTargets.base(r, row);
        return base == null ? "" : fmt("%.2fx", rps / base.saturation().rps());
    }

    private void latency() {
        md.append("## Latency at a fixed rate\n\n")
                .append("Client latency from each request's due time (so stalls count for every request they delay) to"
                        + " its last byte; \"added\" is the client percentile minus the same percentile of the same run"
                        + " sent straight to the mock (a difference of percentiles, not a percentile of differences);"
                        + " \"header\" is the gateway's own `x-gateway-overhead-ms` (whole milliseconds, upstream waits"
                        + " excluded, for a stream until its first byte). Cores: load generator / gateway / mocks.\n\n")
                .append("| Workload | Variant | Keys | rate/s | p50 ms | p99 ms | p99.9 ms | added p50 | added p99 | added p99.9 | header p50 | header p99 | header p99.9 | errors | cores gen / gw / mock |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Results.Row row : r.rows) {
            Results.Rate f = row.rate();
            Results.Rate d = r.direct.get(row.workload());
            double[] added = new double[3];
            for (int i = 0; i < 3; i++) {
                added[i] = d == null ? Double.NaN : f.latencyMs()[i] - d.latencyMs()[i];
            }
            md.append(fmt("| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f | %.0f | %d | %.2f / %.2f / %.2f |%n",
                    row.workload(), row.variant(), row.keys(), f.rate(), f.latencyMs()[0], f.latencyMs()[1], f.latencyMs()[2],
                    added[0], added[1], added[2], f.headerOverheadMs()[0], f.headerOverheadMs()[1], f.headerOverheadMs()[2],
                    f.errors(), f.loadCpu() / f.seconds(), f.gatewayCpu() / f.seconds(), f.mockCpu() / f.seconds()));
        }
        md.append("\nStraight to the mock (the baseline of \"added\"):\n\n| Workload | rate/s | p50 ms | p99 ms | p99.9 ms | errors | cores gen / mock |\n|---|---:|---:|---:|---:|---:|---|\n");
        r.direct.forEach((w, d) -> md.append(fmt("| %s | %.0f | %.2f | %.2f | %.2f | %d | %.2f / %.2f |%n", w, d.rate(),
                d.latencyMs()[0], d.latencyMs()[1], d.latencyMs()[2], d.errors(), d.loadCpu() / d.seconds(),
                d.mockCpu() / d.seconds())));
        md.append('\n');
    }

    private void profiles() {
        if (r.profiles.isEmpty()) {
            return;
        }
        md.append("## Where the gateway's CPU goes (JFR)\n\n")
                .append("Share of JFR execution samples (Java code; the kernel's socket time is not sampled) whose stack"
                        + " passes through each hot path, during an extra saturation run of each workload. Without the"
                        + " agent, the share s of all four bounds what rewriting them can gain on that workload: at best"
                        + " 1 / (1 - s) times the requests per second, if the fast paths cost nothing and the freed CPU"
                        + " went to the gateway.\n\n")
                .append("| Workload | Variant | samples |");
        HotPaths.ORDER.forEach(p -> md.append(' ').append(p).append(" |"));
        md.append(" any of them | bound of the gain |\n|---|---|---:|");
        HotPaths.ORDER.forEach(p -> md.append("---:|"));
        md.append("---:|---:|\n");
        for (Results.Profiled p : r.profiles) {
            md.append("| ").append(p.workload()).append(" | ").append(p.variant()).append(" | ")
                    .append(p.profile().samples()).append(" |");
            for (String path : HotPaths.ORDER) {
                md.append(fmt(" %.1f %% |", p.profile().shares().get(path) * 100));
            }
            double any = p.profile().any();
            md.append(fmt(" %.1f %% |", any * 100))
                    .append(p.variant().equals(Variant.NO_AGENT.name()) ? fmt(" %.2fx |%n", 1 / (1 - any)) : " |\n");
        }
        md.append('\n');
    }

    private void memory() {
        md.append("## Start-up and memory, per gateway process\n\n")
                .append("Start-up: process start to the first answered chat completion. Peak RSS: `VmHWM` after every"
                        + " workload. Heap after GC: `jcmd GC.run` then `GC.heap_info`, once after the first request and"
                        + " again after the last workload.\n\n")
                .append("| Variant | Keys | -Xmx | start-up ms | peak RSS MB | heap after GC, start MB | heap after GC, end MB |\n")
                .append("|---|---:|---|---:|---:|---:|---:|\n");
        for (Results.Process p : r.processes) {
            md.append(fmt("| %s | %d | %s | %.0f | %.1f | %.1f | %.1f |%n", p.variant(), p.keys(), p.heap(), p.startupMs(),
                    p.peakRssMb(), p.heapAtStartMb(), p.heapAtEndMb()));
        }
        md.append('\n');
    }

    private void keys() {
        List<Results.Process> rows = new ArrayList<>();
        for (Results.Process p : r.processes) {
            if (plan.keyCounts().contains(p.keys())) {
                rows.add(p);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("## Virtual keys: what the run retained per key\n\n")
                .append("Chat only. Heap after GC at the end minus at the start of the process, divided by the keys the"
                        + " run could have touched (at most one new key per request sent, at most the keys configured)."
                        + " An estimate: it also holds whatever else the run left on the heap.\n\n")
                .append("| Variant | Keys | -Xmx | requests sent | keys touched (at most) | heap growth MB | bytes per key touched |\n")
                .append("|---|---:|---|---:|---:|---:|---:|\n");
        for (Results.Process p : rows) {
            long touched = Math.min(p.requestsSent(), p.keys());
            double growth = p.heapAtEndMb() - p.heapAtStartMb();
            String perKey = touched < 1_000 ? "- (too few keys to divide by)" : fmt("%.0f", growth * 1024 * 1024 / touched);
            md.append(fmt("| %s | %d | %s | %d | %d | %.1f | %s |%n", p.variant(), p.keys(), p.heap(), p.requestsSent(),
                    touched, growth, perKey));
        }
        md.append('\n');
    }

    private void anchors() {
        md.append("## Published figures of other gateways (not measured here)\n\n")
                .append("Other hardware, other workloads, their own publications; for orientation only, never a ratio"
                        + " against the tables above.\n\n| Gateway | req/s | overhead |\n|---|---:|---:|\n")
                .append("| LiteLLM proxy (Python), as published | 453 | ~7.5 ms |\n")
                .append("| LiteLLM's Rust gateway, as published | 6,782 | ~0.05 ms |\n\n");
    }

    private void method() {
        md.append("## How it was measured\n\n")
                .append("- One gateway process per variant and key count, started afresh, all workloads in the same order"
                        + " (chat, RAG, multi-turn, streaming); the mocks run throughout. Gateway, mocks, wrk and the"
                        + " runner share the machine's cores: the \"cores\" columns show who used them.\n")
                .append("- The mocks estimate `usage` (one token per four characters) instead of counting with JTokkit,"
                        + " so the harness costs the same in every variant and a 16 000-token prompt does not cost the mock"
                        + " what it costs the gateway.\n")
                .append("- Saturation: wrk (C, event loop) with a Lua script cycling through the request bodies and the"
                        + " virtual keys (`k0` ... `k<N-1>`, limits that never refuse).\n")
                .append("- Fixed rate: wrk2 is not packaged by Debian, so a JDK HttpClient generator sends request i at"
                        + " start + i / rate, asynchronously, and measures from that due time: coordinated omission"
                        + " avoided as wrk2 does. Its CPU is in the \"gen\" column.\n")
                .append("- Workloads: see `Workloads` in `bench/src/main/java/dev/fastllm/bench/e2e`; texts from the"
                        + " committed corpus (prose and code) in accel-core's test resources.\n\n");
    }

    private void row2(String k, String v) {
        md.append("| ").append(k).append(" | ").append(v).append(" |\n");
    }

    static String fmt(String format, Object... values) {
        return String.format(Locale.ROOT, format, values);
    }
}
