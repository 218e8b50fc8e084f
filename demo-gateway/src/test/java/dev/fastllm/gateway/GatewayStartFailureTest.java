package dev.fastllm.gateway;

import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.RouterSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A gateway whose start fails part-way leaves nothing running behind it. */
class GatewayStartFailureTest {

    @Test
    void aFailureBeforeListeningStopsTheEmbeddedMockAndTheEventLoops() throws Exception {
        GatewayConfig builtIn = ConfigLoader.builtIn();
        assertTrue(builtIn.deployments().stream().anyMatch(d -> d.embeddedMock()), "the embedded mock is started first");
        // ConfigLoader refuses this strategy; built by hand it fails in the Router, after the mock has started
        RouterSettings broken = new RouterSettings("no-such-strategy", 0, Map.of(), 3, Duration.ofSeconds(5),
                Duration.ofSeconds(60));
        GatewayConfig config = new GatewayConfig(builtIn.deployments(), broken, builtIn.masterKey(),
                builtIn.virtualKeys(), builtIn.server(), builtIn.warnings());
        long before = threads("mock-provider");

        assertThrows(IllegalArgumentException.class, () -> Gateway.start(config, "127.0.0.1", 0));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (threads("mock-provider") > before && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
        assertTrue(threads("mock-provider") <= before, "the embedded mock's threads are gone");
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }
}
