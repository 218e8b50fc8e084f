package dev.fastllm.core.limits;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million keys in a 1 GB G1 heap, whose regions are 1 MB (the smallest G1 has): the limiter's table must
 * not add a single humongous region. A humongous object takes whole regions, and the collector's used-heap
 * figures count only its own bytes, so a chunk of half a region or more would hide up to half its size
 * from any measurement of bytes a key (512 KB word chunks did: 16 bytes a key at 1M keys). Read from G1's
 * own log in a JVM of its own, where nothing else allocates.
 */
class NoHumongousTest {
    private static final Pattern HUMONGOUS = Pattern.compile("Humongous regions: (\\d+)->(\\d+)");

    @Test
    void aMillionKeysAddNoHumongousRegion() throws Exception {
        List<String> out = run("1000000");
        int before = humongousAfterGcFollowing(out, "PROBE before");
        int after = humongousAfterGcFollowing(out, "PROBE after 1000000");
        assertEquals(before, after, "humongous regions before and after a million keys:\n" + String.join("\n", out));
    }

    /** The humongous region count left by the first collection logged after {@code marker}. */
    private static int humongousAfterGcFollowing(List<String> out, String marker) {
        int at = out.indexOf(marker);
        assertTrue(at >= 0, "no line " + marker + " in:\n" + String.join("\n", out));
        for (int i = at + 1; i < out.size(); i++) {
            Matcher m = HUMONGOUS.matcher(out.get(i));
            if (m.find()) {
                return Integer.parseInt(m.group(2));
            }
        }
        throw new AssertionError("no collection logged after " + marker + ":\n" + String.join("\n", out));
    }

    private static List<String> run(String keys) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
                "-XX:G1HeapRegionSize=1m", "-Xlog:gc+heap=info:stdout", "-cp", System.getProperty("java.class.path"),
                HumongousProbe.class.getName(), keys);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        return lines;
    }
}
