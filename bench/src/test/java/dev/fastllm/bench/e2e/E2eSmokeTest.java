package dev.fastllm.bench.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The end-to-end runner's smoke plan, start to finish, on the jars this build made: real mocks, the real gateway
 * without and with the real agent jar, wrk, the report and its charts. So the runner cannot rot between the
 * full runs people make. Its figures mean nothing (one-second windows); what it checks is that every variant ran,
 * that every request of every variant was answered 2xx, and that the agent's points were found and measured alone.
 */
class E2eSmokeTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theSmokePlanRunsEveryVariantAndWritesTheReport() throws Exception {
        Path gateway = ROOT.resolve("demo-gateway/target/demo-gateway.jar");
        Path agent = ROOT.resolve("agent/target/fast-llm-agent.jar");
        Assumptions.assumeTrue(Files.isRegularFile(gateway) && Files.isRegularFile(agent),
                "the gateway and agent jars are built by the reactor before this module's tests");
        Process wrk = new ProcessBuilder(ROOT.resolve("bench/scripts/ensure-wrk.sh").toString()).inheritIO().start();
        assertTrue(wrk.waitFor(5, TimeUnit.MINUTES), "ensure-wrk.sh did not finish");
        Assumptions.assumeTrue(wrk.exitValue() == 0 && WrkRun.available(), "wrk is not installed and could not be");

        Path out = Path.of("target", "e2e-smoke").toAbsolutePath();
        E2eMain.main(new String[] {"--smoke", "--root", ROOT.toString(), "--out", out.toString()});

        String report = Files.readString(out.resolve("REPORT.md"), StandardCharsets.UTF_8);
        assertTrue(report.contains("(smoke plan: its figures mean nothing)"), report);
        List<String> rows = throughputRows(report);
        List<String> variants = new ArrayList<>();
        for (String row : rows) {
            String[] cells = row.split("\\|");
            String variant = cells[2].trim();
            if (!variants.contains(variant)) {
                variants.add(variant);
            }
            assertTrue(Double.parseDouble(cells[4].trim()) > 0, "no requests/s: " + row);
            assertEquals("0", cells[6].trim(), "requests answered other than 2xx: " + row);
        }
        for (String expected : List.of("no agent", "agent, all on", "only gateway.tokens", "only gateway.rate-limiter",
                "only gateway.connection-pool", "only gateway.routing", "agent, all off", "no agent, again")) {
            assertTrue(variants.contains(expected), "variant " + expected + " missing from " + variants);
        }
        for (String chart : List.of("e2e-throughput.png", "e2e-memory.png")) {
            byte[] png = Files.readAllBytes(out.resolve(chart));
            assertTrue(png.length > 1_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', chart);
        }
    }

    /** The rows of the throughput table: | workload | variant | keys | req/s | vs no agent | errors | ... */
    private static List<String> throughputRows(String report) {
        int at = report.indexOf("## Throughput at saturation");
        int end = report.indexOf("\n## ", at + 1);
        List<String> rows = new ArrayList<>();
        for (String line : report.substring(at, end).split("\n")) {
            if (line.startsWith("| ") && !line.startsWith("| Workload") && !line.startsWith("|---")) {
                rows.add(line);
            }
        }
        assertTrue(rows.size() >= 8, "throughput table:\n" + report.substring(at, end));
        return rows;
    }
}
