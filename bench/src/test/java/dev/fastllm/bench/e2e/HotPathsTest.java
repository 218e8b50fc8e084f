package dev.fastllm.bench.e2e;

import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hot-path shares from a real JFR recording of this JVM: a busy method shows up, an idle class does not. */
class HotPathsTest {

    static final class Busy {
        /** Pure Java arithmetic (a sample in native code such as the clock would not count), checking the clock rarely. */
        static long spin(long nanos) {
            long end = System.nanoTime() + nanos;
            long x = 88172645463325252L;
            do {
                for (int i = 0; i < 200_000; i++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                }
            } while (System.nanoTime() < end);
            return x;
        }
    }

    static final class Idle {
    }

    @Test
    void sharesCountSamplesWhoseStackPassesThroughTheClass() throws Exception {
        Path file = Files.createTempFile("hot-paths", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(10));
            recording.start();
            assertTrue(Busy.spin(1_500_000_000L) != 0);
            recording.stop();
            recording.dump(file);
        }
        HotPaths.Profile p = HotPaths.read(file, List.of("busy", "idle"),
                Map.of("busy", Busy.class.getName(), "idle", Idle.class.getName()));
        assertTrue(p.samples() >= 5, "samples: " + p.samples());
        assertTrue(p.shares().get("busy") > 0.5, "busy share: " + p.shares());
        assertEquals(0.0, p.shares().get("idle"));
        assertEquals(p.shares().get("busy"), p.any(), 1e-12);
        HotPaths.Profile gateway = HotPaths.read(file);
        assertEquals(p.samples(), gateway.samples());
        assertEquals(0.0, gateway.any(), "no gateway class ran in this JVM");
        Files.delete(file);
    }
}
