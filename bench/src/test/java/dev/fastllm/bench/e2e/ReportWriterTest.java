package dev.fastllm.bench.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** REPORT.md and the charts from a fixed set of results: ratios, targets (met and missed), keys, charts on disk. */
class ReportWriterTest {

    private static Results.Row row(String variant, int keys, String workload, double rps, double p50) {
        return new Results.Row(variant, keys, "512m", workload,
                new Results.Saturation(rps, (long) (rps * 10), 0, 10, rps / 100, 0.5, 0.2),
                new Results.Rate(50, new double[] {p50, p50 * 3, p50 * 5}, new double[] {0, 1, 2}, 500, 0, 10, 2, 4, 1));
    }

    private static Results sample() {
        Results r = new Results();
        r.points.put("gateway.tokens", "on (default), pure, breaker closed, applied to A#b");
        r.rows.add(row("no agent", 10_000, "chat-o200k", 1000, 2));
        r.rows.add(row("no agent", 10_000, "rag-o200k", 100, 20));
        r.rows.add(row("agent, all on", 10_000, "chat-o200k", 1050, 2));
        r.rows.add(row("agent, all on", 10_000, "rag-o200k", 450, 8));
        r.rows.add(row("agent, all off", 10_000, "chat-o200k", 980, 2));
        r.rows.add(row("agent, all off", 10_000, "rag-o200k", 102, 20));
        r.rows.add(row("no agent, again", 10_000, "chat-o200k", 990, 2));
        r.rows.add(row("no agent, again", 10_000, "rag-o200k", 110, 20));
        r.rows.add(row("no agent", 1_000_000, "chat-o200k", 900, 2));
        r.rows.add(row("agent, all on", 1_000_000, "chat-o200k", 990, 2));
        r.direct.put("chat-o200k", new Results.Rate(50, new double[] {1, 2, 3}, new double[3], 500, 0, 10, 2, 0, 1));
        r.processes.add(new Results.Process("no agent", 10_000, "512m", 2500, 300, 50, 52, 20_000));
        r.processes.add(new Results.Process("agent, all on", 10_000, "512m", 2700, 320, 40, 45, 20_000));
        r.processes.add(new Results.Process("no agent, again", 10_000, "512m", 2400, 300, 50, 52, 20_000));
        r.processes.add(new Results.Process("agent, all on", 1_000_000, "2g", 40_000, 1500, 600, 601, 100_000));
        java.util.Map<String, Double> shares = new java.util.LinkedHashMap<>();
        shares.put("tokens", 0.70);
        shares.put("rate limiter", 0.03);
        shares.put("connection pool", 0.02);
        shares.put("routing", 0.0);
        r.profiles.add(new Results.Profiled("no agent", "rag-o200k", new HotPaths.Profile(1000, shares, 0.75)));
        return r;
    }

    @Test
    void reportHasTheTablesTheRatiosAndTheVerdicts() throws Exception {
        Path out = Files.createTempDirectory("e2e-report");
        Plan plan = new Plan(false, out, out, out.resolve("work"), 4, 8, 2, 8, 32, 10_000, List.of(1, 1_000_000), 0.5,
                1_500, "Noisy: the machine was shared", false);
        Path file = new ReportWriter(plan, sample(), "2026-12-01T13:00:00Z", 12.5, "", "0.50 0.40 0.30").write();
        String md = Files.readString(file);
        assertTrue(md.contains("**Noisy: the machine was shared**"));
        assertTrue(md.contains("`bench/run-e2e.sh` (full plan)"));
        // the faster of the two no-agent runs is the baseline: 110 req/s for RAG, 1 000 for chat
        assertTrue(md.contains("| rag-o200k | agent, all on | 10000 | 450 | 4.09x |"), md);
        assertTrue(md.contains("| chat-o200k | agent, all on | 10000 | 1050 | 1.05x |"), md);
        assertTrue(md.contains("| `gateway.routing` | no start line: this agent build does not rewrite it, or its target class never loaded"));
        assertTrue(md.contains("| RAG workload, agent on: >= 4x requests/s | rag-o200k 4.09x | met |"), md);
        assertTrue(md.contains("| chat, agent on: >= 1.1x requests/s | chat-o200k 1.05x, chat-o200k 1.10x | **missed** |"), md);
        assertTrue(md.contains("| 0.93x to 0.98x | met |"), md);
        assertTrue(md.contains("| start-up to the first served request: at most +300 ms | +300 ms (2700 vs 2400"), md);
        // 1 MB more heap over 100 000 keys touched: 10 bytes a key
        assertTrue(md.contains("| agent, all on | 1000000 | 2g | 100000 | 100000 | 1.0 | 10 |"), md);
        assertTrue(md.contains("| limiter memory at 1 M keys: <= 32 bytes a key | 10 bytes per key touched"), md);
        // chat p50 2 ms through the gateway, 1 ms straight to the mock: 1 ms added
        assertTrue(md.contains("| chat-o200k | no agent | 10000 | 50 | 2.00 | 6.00 | 10.00 | 1.00 | 4.00 | 7.00 |"), md);
        // three quarters of the samples in the hot paths: at best 4x
        assertTrue(md.contains("| rag-o200k | no agent | 1000 | 70.0 % | 3.0 % | 2.0 % | 0.0 % | 75.0 % | 4.00x |"), md);
        assertFalse(md.contains("LiteLLM proxy (Python), as published | 1"), "anchors are never our rows");
        for (String chart : List.of("e2e-throughput.png", "e2e-added-p99.png", "e2e-latency-chat-o200k.png", "e2e-memory.png")) {
            assertTrue(md.contains("![" + chart + "](" + chart + ")"), chart);
            byte[] png = Files.readAllBytes(out.resolve(chart));
            assertTrue(png.length > 1_000, chart);
            byte[] magic = {(byte) 0x89, 'P', 'N', 'G'};
            assertArrayEquals(magic, java.util.Arrays.copyOf(png, 4), chart);
        }
    }

    @Test
    void targetsWithoutDataSayNotMeasured() {
        List<ReportTargets.Verdict> v = ReportTargets.check(new Results());
        assertEquals(6, v.size());
        v.forEach(x -> assertEquals(null, x.met(), x.target()));
    }
}
