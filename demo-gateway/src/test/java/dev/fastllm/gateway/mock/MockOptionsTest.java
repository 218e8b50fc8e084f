package dev.fastllm.gateway.mock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MockOptionsTest {

    @Test
    void defaults() {
        MockOptions o = MockOptions.fromArgs(new String[0]);
        assertEquals("127.0.0.1", o.host());
        assertEquals(MockOptions.DEFAULT_PORT, o.port());
        assertEquals(0, o.latencyMillis());
        assertEquals(MockOptions.DEFAULT_STREAM_CHUNKS, o.streamChunks());
        assertEquals(0, o.chunkDelayMillis());
        assertEquals(0.0, o.errorRate());
        assertEquals(0.0, o.rateLimitRate());
        assertEquals(0.0, o.slowRate());
        assertEquals(MockOptions.DEFAULT_SLOW_MILLIS, o.slowMillis());
        assertEquals(0.0, o.resetRate());
        assertEquals(MockOptions.Usage.EXACT, o.usageCounting());
    }

    @Test
    void usageCountingIsChosenByName() {
        assertEquals(MockOptions.Usage.ESTIMATE, MockOptions.fromArgs(new String[] {"--usage", "estimate"}).usageCounting());
        assertEquals(MockOptions.Usage.ESTIMATE, MockOptions.fromArgs(new String[] {"mock", "--usage=ESTIMATE"}).usageCounting());
        assertEquals(MockOptions.Usage.EXACT, MockOptions.fromArgs(new String[] {"--usage", "exact"}).usageCounting());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MockOptions.fromArgs(new String[] {"--usage", "cheap"}));
        assertTrue(e.getMessage().contains("--usage") && e.getMessage().contains("estimate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MockOptions().usageCounting(null));
        assertTrue(MockOptions.usage().contains("--usage exact|estimate"));
        assertTrue(new MockOptions().usageCounting(MockOptions.Usage.ESTIMATE).toString().contains("usage=estimate"));
    }

    @Test
    void parsesEveryFlagInBothForms() {
        MockOptions o = MockOptions.fromArgs(new String[] {"mock", "--port", "8123", "--latency-ms", "25",
                "--stream-chunks=7", "--chunk-delay-ms", "3", "--error-rate", "0.1", "--429-rate=0.2",
                "--slow-rate", "0.3", "--slow-ms", "900", "--reset-rate", "1", "--host", "0.0.0.0"});
        assertEquals(8123, o.port());
        assertEquals(25, o.latencyMillis());
        assertEquals(7, o.streamChunks());
        assertEquals(3, o.chunkDelayMillis());
        assertEquals(0.1, o.errorRate());
        assertEquals(0.2, o.rateLimitRate());
        assertEquals(0.3, o.slowRate());
        assertEquals(900, o.slowMillis());
        assertEquals(1.0, o.resetRate());
        assertEquals("0.0.0.0", o.host());
    }

    @Test
    void badFlagsNameTheFlag() {
        String[][] cases = {
                {"--bogus", "1"},
                {"--port"},
                {"--port", "70000"},
                {"--port", "http"},
                {"--latency-ms", "-1"},
                {"--stream-chunks", "0"},
                {"--error-rate", "1.5"},
                {"--429-rate", "NaN"},
                {"--slow-rate", "-0.1"},
                {"--reset-rate", "lots"},
                {"--slow-ms", "1.5"},
                {"--host", " "},
                {"positional"},
        };
        for (String[] args : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MockOptions.fromArgs(args),
                    String.join(" ", args));
            String flag = args[0].equals("positional") ? "positional" : args[0];
            assertTrue(e.getMessage().contains(flag), e.getMessage());
        }
    }

    @Test
    void settersValidateAndChain() {
        MockOptions o = new MockOptions().errorRate(0.5).latencyMillis(10).streamChunks(2);
        assertEquals(0.5, o.errorRate());
        assertThrows(IllegalArgumentException.class, () -> o.errorRate(2));
        assertThrows(IllegalArgumentException.class, () -> o.resetRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> o.latencyMillis(-5));
        assertThrows(IllegalArgumentException.class, () -> o.streamChunks(0));
        assertEquals(0.5, o.errorRate(), "a rejected value leaves the setting unchanged");
        assertTrue(MockOptions.usage().contains("--429-rate"));
        assertTrue(o.toString().contains("errorRate=0.5"));
    }
}
