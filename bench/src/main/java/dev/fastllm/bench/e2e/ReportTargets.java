package dev.fastllm.bench.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * The targets of the end-to-end issue checked against one run's {@link Results}: met or missed, with the measured
 * figure, so a miss is printed as plainly as a hit. Each target compares the agent with every point on (or off) to
 * the gateway without the agent in the same run.
 */
final class ReportTargets {

    /** A target's verdict: what was asked, what was measured, and whether it was met (null when not measured). */
    record Verdict(String target, String measured, Boolean met) {
    }

    private ReportTargets() {
    }

    static List<Verdict> check(Results r) {
        List<Verdict> out = new ArrayList<>();
        out.add(ratio(r, "rag", Variant.AGENT_ON.name(), 4.0, "RAG workload, agent on: >= 4x requests/s"));
        out.add(ratio(r, "chat", Variant.AGENT_ON.name(), 1.1, "chat, agent on: >= 1.1x requests/s"));
        out.add(ratio(r, "stream", Variant.AGENT_ON.name(), 1.1, "streaming, agent on: >= 1.1x requests/s"));
        out.add(offWithinNoise(r));
        out.add(startup(r));
        out.add(keyMemory(r));
        return out;
    }

    static void append(StringBuilder md, Results r) {
        md.append("## Targets\n\n| Target | Measured | Verdict |\n|---|---|---|\n");
        for (Verdict v : check(r)) {
            md.append("| ").append(v.target()).append(" | ").append(v.measured()).append(" | ")
                    .append(v.met() == null ? "not measured" : v.met() ? "met" : "**missed**").append(" |\n");
        }
        md.append('\n');
    }

    /** The lowest ratio of {@code variant} to no agent over the workloads whose name starts with {@code prefix}. */
    private static Verdict ratio(Results r, String prefix, String variant, double goal, String target) {
        double min = Double.NaN;
        StringBuilder each = new StringBuilder();
        for (Results.Row row : r.rows) {
            if (row.workload().startsWith(prefix) && row.variant().equals(variant)) {
                Results.Row base = base(r, row);
                if (base != null) {
                    double q = row.saturation().rps() / base.saturation().rps();
                    min = Double.isNaN(min) ? q : Math.min(min, q);
                    each.append(each.length() == 0 ? "" : ", ").append(row.workload()).append(' ')
                            .append(ReportWriter.fmt("%.2fx", q));
                }
            }
        }
        return Double.isNaN(min) ? new Verdict(target, "-", null) : new Verdict(target, each.toString(), min >= goal);
    }

    private static Verdict offWithinNoise(Results r) {
        double lo = Double.NaN;
        double hi = Double.NaN;
        for (Results.Row row : r.rows) {
            if (row.variant().equals("agent, all off")) {
                Results.Row base = base(r, row);
                if (base != null) {
                    double q = row.saturation().rps() / base.saturation().rps();
                    lo = Double.isNaN(lo) ? q : Math.min(lo, q);
                    hi = Double.isNaN(hi) ? q : Math.max(hi, q);
                }
            }
        }
        String target = "every point off: within noise of no agent (taken as 0.90x to 1.10x requests/s on every workload)";
        return Double.isNaN(lo) ? new Verdict(target, "-", null)
                : new Verdict(target, ReportWriter.fmt("%.2fx to %.2fx", lo, hi), lo >= 0.9 && hi <= 1.1);
    }

    /** Agent on against the faster of the no-agent starts with the same number of keys. */
    private static Verdict startup(Results r) {
        Results.Process agent = process(r, Variant.AGENT_ON.name());
        String target = "start-up to the first served request: at most +300 ms";
        Results.Process plain = null;
        for (Results.Process p : r.processes) {
            if (agent != null && isBaseline(p.variant()) && p.keys() == agent.keys()
                    && (plain == null || p.startupMs() < plain.startupMs())) {
                plain = p;
            }
        }
        if (plain == null) {
            return new Verdict(target, "-", null);
        }
        double d = agent.startupMs() - plain.startupMs();
        return new Verdict(target, ReportWriter.fmt("%+.0f ms (%.0f vs %.0f, the faster no-agent start; one start each)",
                d, agent.startupMs(), plain.startupMs()), d <= 300);
    }

    private static Verdict keyMemory(Results r) {
        String target = "limiter memory at 1 M keys: <= 32 bytes a key";
        for (Results.Process p : r.processes) {
            if (p.keys() >= 1_000_000 && p.variant().equals(Variant.AGENT_ON.name())) {
                long touched = Math.min(p.requestsSent(), p.keys());
                double perKey = (p.heapAtEndMb() - p.heapAtStartMb()) * 1024 * 1024 / touched;
                String status = r.points.getOrDefault("gateway.rate-limiter", "");
                String whose = status.contains("applied to ") ? "" : "; the gateway's own limiter: gateway.rate-limiter"
                        + " is not rewritten by this agent build";
                return new Verdict(target, ReportWriter.fmt("%.0f bytes per key touched (%d keys touched at most;"
                        + " heap-after-GC growth, an estimate%s)", perKey, touched, whose), perKey <= 32);
            }
        }
        return new Verdict(target, "-", null);
    }

    /**
     * The baseline of {@code row}: of the no-agent runs of the same workload and key count, the one with the most
     * requests per second (so a ratio is never flattered by a baseline run that the machine slowed down).
     */
    static Results.Row base(Results r, Results.Row row) {
        Results.Row best = null;
        for (Results.Row b : r.rows) {
            if (isBaseline(b.variant()) && b.keys() == row.keys() && b.workload().equals(row.workload())
                    && (best == null || b.saturation().rps() > best.saturation().rps())) {
                best = b;
            }
        }
        return best;
    }

    static boolean isBaseline(String variant) {
        return variant.equals(Variant.NO_AGENT.name()) || variant.equals(Variant.NO_AGENT_AGAIN.name());
    }

    private static Results.Process process(Results r, String variant) {
        for (Results.Process p : r.processes) {
            if (p.variant().equals(variant)) {
                return p;
            }
        }
        return null;
    }
}
