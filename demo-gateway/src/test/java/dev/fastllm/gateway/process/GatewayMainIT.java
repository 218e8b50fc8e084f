package dev.fastllm.gateway.process;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged command line: a bad flag of {@code mock} is one line on stderr and exit status 2. */
class GatewayMainIT {

    @Test
    void aBadMockFlagIsOneLineAndExitStatus2() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (List<String> args : List.of(List.of("--no-such-flag"), List.of("--port", "many"), List.of("--latency-ms"))) {
            List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", System.getProperty("gateway.jar"), "mock"));
            command.addAll(args);
            Process p = new ProcessBuilder(command).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "exits");
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, p.exitValue(), args + ": " + err);
            assertEquals(1, err.strip().lines().count(), args + ": one line: " + err);
            assertTrue(err.startsWith("mock: "), err);
            assertFalse(err.contains("Exception"), err);
            assertEquals("", out);
        }
    }
}
