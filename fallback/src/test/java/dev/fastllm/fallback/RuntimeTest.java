package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeTest {

    @Test
    void startsMetricsAndPrintsOneLinePerPoint() {
        RecordingWarnings w = new RecordingWarnings();
        Points points = new Points(null, new ManualClock(), w);
        Point limiter = points.declare("gateway.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF);
        Point tokens = points.declare("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        Settings s = Settings.load("rate-limiter=canary:10,metrics.port=0", null, null, w);
        try (FallbackRuntime r = FallbackRuntime.start(points, s, w)) {
            assertNotNull(r.endpoint());
            assertNotNull(r.meterRegistry());
            limiter.markApplied("dev.fastllm.gateway.RateLimiter#tryAcquire");
            tokens.markAbsent();
            List<String> lines = r.statusLines();
            assertEquals(3, lines.size(), lines.toString());
            assertEquals("[fast-llm] gateway.rate-limiter: canary:10 (agent argument rate-limiter), stateful, "
                    + "breaker closed, applied to dev.fastllm.gateway.RateLimiter#tryAcquire", lines.get(0));
            assertEquals("[fast-llm] jtokkit.tokens: off (default), pure, breaker closed, target absent", lines.get(1));
            assertTrue(lines.get(2).startsWith("[fast-llm] metrics on http://"), lines.get(2));
        }
        assertTrue(w.messages.isEmpty(), w.messages.toString());
    }

    @Test
    void withoutAMetricsPortNoRegistryIsBuilt() {
        RecordingWarnings w = new RecordingWarnings();
        Points points = new Points(null, new ManualClock(), w);
        Point tokens = points.declare("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        try (FallbackRuntime r = FallbackRuntime.start(points, Settings.load("", null, null, w), w)) {
            assertNull(r.meterRegistry());
            assertNull(r.endpoint());
            tokens.markApplied("com.knuddels.jtokkit.GptBytePairEncoding#countTokens");
            assertEquals(List.of("[fast-llm] jtokkit.tokens: on (default), pure, breaker closed, applied to "
                    + "com.knuddels.jtokkit.GptBytePairEncoding#countTokens"), r.statusLines());
        }
        assertTrue(w.messages.isEmpty(), w.messages.toString());
    }

    @Test
    void theMetricsLineIsAUsableUrlOnIpv6() throws Exception {
        RecordingWarnings w = new RecordingWarnings();
        Settings s = Settings.load("metrics.port=0,metrics.host=::1", null, null, w);
        try (FallbackRuntime r = FallbackRuntime.start(new Points(null, null, w), s, w)) {
            Assumptions.assumeTrue(r.endpoint() != null, "no IPv6 loopback here: " + w.messages);
            List<String> lines = r.statusLines();
            String line = lines.get(lines.size() - 1);
            String url = line.substring(line.indexOf("http://"));
            java.net.URI uri = new java.net.URI(url);
            assertEquals(r.endpoint().port(), uri.getPort(), url);
            assertEquals("/metrics", uri.getPath(), url);
        }
    }

    @Test
    void aPortInUseIsAWarningNotAFailure() throws IOException {
        RecordingWarnings w = new RecordingWarnings();
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Settings s = Settings.load("metrics.port=" + taken.getLocalPort(), null, null, w);
            try (FallbackRuntime r = FallbackRuntime.start(new Points(null, null, w), s, w)) {
                assertNull(r.endpoint());
            }
        }
        assertEquals(1, w.messages.size(), w.messages.toString());
    }

    /**
     * The agent appends this module (and its relocated Micrometer) to the bootstrap search path. Run a probe
     * in a child JVM with everything but the probe itself on -Xbootclasspath/a and a null context loader.
     */
    @Test
    void worksFromTheBootstrapClassLoader() throws Exception {
        List<String> boot = new ArrayList<>();
        List<String> app = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith("test-classes")) {
                app.add(entry);
            } else if (!entry.contains("junit") && !entry.contains("opentest4j") && !entry.contains("apiguardian")) {
                boot.add(entry);
            }
        }
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-Xbootclasspath/a:" + String.join(File.pathSeparator, boot),
                "-cp", String.join(File.pathSeparator, app), BootstrapProbe.class.getName());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("PROBE OK"), out);
    }
}
