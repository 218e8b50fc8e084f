package dev.fastllm.fallback.settings;

import dev.fastllm.fallback.BreakerConfig;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Mode;
import dev.fastllm.fallback.RecordingWarnings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    private final RecordingWarnings warnings = new RecordingWarnings();

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private Flag tokensFlag(Settings s) {
        return s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "on|on", "off|off", "ON|on", "  Off  |off", "canary:0|canary:0", "canary:10|canary:10",
        "canary:12.5|canary:12.5", "canary:0.001|canary:0.001", "canary:100|canary:100", "canary:100.0|canary:100",
        "CANARY:7|canary:7", "shadow:5|shadow:5", "shadow:0|shadow:0", "shadow:100|shadow:100",
        "shadow:33.25|shadow:33.25", "canary: 10|canary:10"})
    void everyAcceptedFlagForm(String text, String canonical) {
        Flag f = Flag.parse(text);
        assertEquals(canonical, String.valueOf(f));
        Settings s = Settings.load(null, null, env("FAST_LLM_TOKENS", text), warnings);
        assertEquals(canonical, tokensFlag(s).toString());
        assertTrue(warnings.messages.isEmpty(), warnings.messages.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "maybe", "true", "1", "canary", "canary:", "canary:-1", "canary:101",
        "canary:100.1", "canary:abc", "canary:1e2", "canary:.5", "canary:5.", "canary:10%", "canary:10:20",
        "canary:1.2.3", "on:5", "shadow", "shadow:x", "shadow:-0", "canary 10", "half", "canary:NaN",
        "canary:Infinity", "canary:0x10"})
    void everyMalformedFlagFormWarnsOnceAndKeepsTheDefault(String text) {
        assertNull(Flag.parse(text));
        Settings s = Settings.load(null, null, env("FAST_LLM_TOKENS", text), warnings);
        Settings.FlagChoice choice = s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.canary(3));
        s.flagFor("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        assertEquals(Flag.canary(3), choice.flag());
        assertEquals(1, warnings.messages.size(), warnings.messages.toString());
        String w = warnings.messages.get(0);
        assertTrue(w.contains("FAST_LLM_TOKENS"), w);
        assertTrue(w.contains(Flag.ACCEPTED_FORMS), w);
    }

    @Test
    void malformedInEverySourceIsNamedBySource() {
        Settings.load("tokens=sometimes", props("fastllm.routing", "x"), env("FAST_LLM_RATE_LIMITER", "y"), warnings);
        assertEquals(3, warnings.messages.size(), warnings.messages.toString());
        assertTrue(warnings.messages.get(0).contains("agent argument tokens"));
        assertTrue(warnings.messages.get(1).contains("-Dfastllm.routing"));
        assertTrue(warnings.messages.get(2).contains("FAST_LLM_RATE_LIMITER"));
    }

    @Test
    void aMalformedWinningEntryGivesTheDefaultNotALowerSource() {
        Settings s = Settings.load(null, props("fastllm.tokens", "bogus"), env("FAST_LLM_TOKENS", "on"), warnings);
        assertEquals(Flag.OFF, tokensFlag(s));
        assertEquals(1, warnings.messages.size());
    }

    @Test
    void identifyIsInTheBackgroundUnlessFirstCallIsAskedFor() {
        assertTrue(Settings.load(null, null, null, warnings).identifyInBackground());
        assertTrue(Settings.load("identify=background", null, null, warnings).identifyInBackground());
        assertFalse(Settings.load(null, null, env("FAST_LLM_IDENTIFY", "First-Call"), warnings).identifyInBackground());
        // malformed: one warning, and the default
        assertTrue(Settings.load("identify=later", null, null, warnings).identifyInBackground());
        assertEquals(1, warnings.messages.size(), warnings.messages.toString());
    }

    @Test
    void envAndPropertyNames() {
        assertEquals("FAST_LLM_GATEWAY_RATE_LIMITER", Settings.envName("gateway.rate-limiter"));
        assertEquals("FAST_LLM_LANGCHAIN4J_TOKENS", Settings.envName("langchain4j.tokens"));
        assertEquals("FAST_LLM_SPRING_AI_TOKENS", Settings.envName("spring-ai.tokens"));
        assertEquals("FAST_LLM_RATE_LIMITER", Settings.envName("rate-limiter"));
        assertEquals("FAST_LLM_BREAKER_FAILURES", Settings.envName("breaker.failures"));
        assertEquals("fastllm.rate-limiter", Settings.propertyName("rate-limiter"));
        assertTrue(Settings.isPointName("spring-ai.tokens"));
        assertTrue(Settings.isPointName("gateway.connection-pool"));
        assertFalse(Settings.isPointName("gateway.cache"));
        assertFalse(Settings.isPointName("a.b.tokens"));
        assertFalse(Settings.isPointName(".tokens"));
        assertFalse(Settings.isPointName("Gateway.tokens"));
    }

    @Test
    void precedenceAgentArgsOverPropertiesOverEnvOverDefault() {
        Map<String, String> e = env("FAST_LLM_TOKENS", "canary:1");
        Properties p = props("fastllm.tokens", "canary:2");
        String args = "tokens=canary:3";
        assertEquals(Flag.OFF, tokensFlag(Settings.load(null, null, null, warnings)));
        assertEquals(Flag.canary(1), tokensFlag(Settings.load(null, null, e, warnings)));
        assertEquals(Flag.canary(2), tokensFlag(Settings.load(null, p, e, warnings)));
        assertEquals(Flag.canary(3), tokensFlag(Settings.load(args, p, e, warnings)));
        assertEquals("agent argument tokens",
                Settings.load(args, p, e, warnings).flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).source());
        assertEquals("-Dfastllm.tokens",
                Settings.load(null, p, e, warnings).flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).source());
        assertEquals("FAST_LLM_TOKENS",
                Settings.load(null, null, e, warnings).flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).source());
        assertTrue(warnings.messages.isEmpty());
    }

    @Test
    void aPointOverridesItsComponentWithinOneSource() {
        Settings s = Settings.load(null, null, env("FAST_LLM_TOKENS", "on", "FAST_LLM_LANGCHAIN4J_TOKENS", "canary:5"), warnings);
        assertEquals(Flag.canary(5), s.flagFor("langchain4j.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
        assertEquals(Flag.ON, s.flagFor("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());

        s = Settings.load(null, props("fastllm.tokens", "off", "fastllm.gateway.tokens", "on"), null, warnings);
        assertEquals(Flag.ON, s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
        assertEquals(Flag.OFF, s.flagFor("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.ON).flag());

        s = Settings.load("tokens=on,gateway.tokens=shadow:5", null, null, warnings);
        assertEquals(Flag.shadow(5), s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
        assertEquals(Flag.ON, s.flagFor("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
    }

    @Test
    void aHigherSourceComponentBeatsALowerSourcePoint() {
        Settings s = Settings.load("tokens=off", props("fastllm.gateway.tokens", "on"),
                env("FAST_LLM_GATEWAY_TOKENS", "on"), warnings);
        assertEquals(Flag.OFF, s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.ON).flag());
    }

    @Test
    void theDesignsAgentArgumentExample() {
        Settings s = Settings.load(" rate-limiter=canary:10, tokens=on ,gateway.tokens=shadow:5,", null, null, warnings);
        assertEquals(Flag.canary(10), s.flagFor("gateway.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF).flag());
        assertEquals(Flag.ON, s.flagFor("jtokkit.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
        assertEquals(Flag.shadow(5), s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.OFF).flag());
        assertTrue(warnings.messages.isEmpty(), warnings.messages.toString());
    }

    @Test
    void agentArgumentsThatAreNotNameValueWarnOnceEach() {
        Settings s = Settings.load("tokens,=on,routing=on", null, null, warnings);
        assertEquals(2, warnings.messages.size(), warnings.messages.toString());
        assertEquals(Flag.ON, s.flagFor("gateway.routing", Component.ROUTING, Kind.STATEFUL, Flag.OFF).flag());
    }

    @Test
    void unknownSettingsWarnOnce() {
        Settings.load("speed=max", props("fastllm.turbo", "on", "other.setting", "x"),
                env("FAST_LLM_RATELIMITER", "on", "PATH", "/bin"), warnings);
        assertEquals(3, warnings.messages.size(), warnings.messages.toString());
    }

    @Test
    void shadowOnAStatefulPointWarnsOnceAndKeepsTheDefault() {
        Settings s = Settings.load("rate-limiter=shadow:5", null, null, warnings);
        assertEquals(Flag.canary(1), s.flagFor("gateway.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.canary(1)).flag());
        assertEquals(Flag.OFF, s.flagFor("other.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.OFF).flag());
        assertEquals(1, warnings.messages.size(), warnings.messages.toString());
        assertTrue(warnings.messages.get(0).contains("stateful"));
        assertTrue(warnings.messages.get(0).contains("agent argument rate-limiter"));
    }

    @ParameterizedTest
    @CsvSource({"FAST_LLM_ENABLED,false", "FAST_LLM_ENABLED,FALSE"})
    void disabledTurnsEveryPointOff(String name, String value) {
        Settings s = Settings.load(null, null, env(name, value, "FAST_LLM_TOKENS", "on"), warnings);
        assertFalse(s.enabled());
        Settings.FlagChoice c = s.flagFor("gateway.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
        assertEquals(Flag.OFF, c.flag());
        assertEquals("FAST_LLM_ENABLED=false", c.source());
        assertTrue(Settings.load("enabled=true", props("fastllm.enabled", "false"), null, warnings).enabled());
        assertFalse(Settings.load(null, props("fastllm.enabled", "false"), env("FAST_LLM_ENABLED", "true"), warnings).enabled());
        assertTrue(warnings.messages.isEmpty());
    }

    @Test
    void breakerAndMetricsSettingsInEveryForm() {
        Settings s = Settings.load("breaker.failures=3,breaker.window=500ms",
                props("fastllm.breaker.open", "2m", "fastllm.breaker.trials", "2", "fastllm.metrics.port", "0"),
                env("FAST_LLM_BREAKER_MODE", "permanent", "FAST_LLM_METRICS_HOST", "0.0.0.0",
                        "FAST_LLM_METRICS_LATENCY_SAMPLE", "0.5", "FAST_LLM_BREAKER_WINDOW", "9s"), warnings);
        BreakerConfig b = s.breaker();
        assertEquals(3, b.failures());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(500), b.windowNanos());
        assertEquals(TimeUnit.MINUTES.toNanos(2), b.openNanos());
        assertEquals(2, b.trials());
        assertTrue(b.permanent());
        assertEquals(0, s.metricsPort());
        assertEquals("0.0.0.0", s.metricsHost());
        assertEquals(0.5, s.latencySamplePercent());
        assertEquals(TimeUnit.SECONDS.toNanos(45),
                Settings.load(null, null, env("FAST_LLM_BREAKER_OPEN", "45"), warnings).breaker().openNanos());
        assertTrue(warnings.messages.isEmpty(), warnings.messages.toString());
    }

    @Test
    void defaults() {
        Settings s = Settings.load(null, null, null, warnings);
        assertTrue(s.enabled());
        assertEquals(10, s.breaker().failures());
        assertEquals(TimeUnit.SECONDS.toNanos(60), s.breaker().windowNanos());
        assertEquals(TimeUnit.SECONDS.toNanos(30), s.breaker().openNanos());
        assertEquals(5, s.breaker().trials());
        assertFalse(s.breaker().permanent());
        assertEquals(-1, s.metricsPort());
        assertNull(s.metricsHost());
        assertEquals(1.0, s.latencySamplePercent());
    }

    @ParameterizedTest
    @CsvSource({
        "FAST_LLM_ENABLED,yes", "FAST_LLM_ENABLED,''", "FAST_LLM_BREAKER_FAILURES,0", "FAST_LLM_BREAKER_FAILURES,ten",
        "FAST_LLM_BREAKER_FAILURES,-3", "FAST_LLM_BREAKER_FAILURES,2000000", "FAST_LLM_BREAKER_TRIALS,1.5",
        "FAST_LLM_BREAKER_WINDOW,0", "FAST_LLM_BREAKER_WINDOW,10h", "FAST_LLM_BREAKER_WINDOW,ms",
        "FAST_LLM_BREAKER_OPEN,-1s", "FAST_LLM_BREAKER_OPEN,1.5s", "FAST_LLM_BREAKER_MODE,forever",
        "FAST_LLM_METRICS_PORT,70000", "FAST_LLM_METRICS_PORT,http", "FAST_LLM_METRICS_HOST,a b",
        "FAST_LLM_METRICS_LATENCY_SAMPLE,101", "FAST_LLM_METRICS_LATENCY_SAMPLE,1%"})
    void everyMalformedOtherSettingWarnsOnceAndKeepsItsDefault(String name, String value) {
        Settings s = Settings.load(null, null, env(name, value), warnings);
        assertEquals(1, warnings.messages.size(), warnings.messages.toString());
        assertTrue(warnings.messages.get(0).contains(name), warnings.messages.get(0));
        assertTrue(warnings.messages.get(0).contains("accepted"), warnings.messages.get(0));
        Settings d = Settings.load(null, null, null, warnings);
        assertEquals(d.enabled(), s.enabled());
        assertEquals(d.breaker().toString(), s.breaker().toString());
        assertEquals(d.metricsPort(), s.metricsPort());
        assertEquals(d.metricsHost(), s.metricsHost());
        assertEquals(d.latencySamplePercent(), s.latencySamplePercent());
    }

    @Test
    void flagValuesRoundTrip() {
        assertEquals(Mode.CANARY, Flag.parse("canary:0.5").mode());
        assertEquals(0.5, Flag.parse("canary:0.5").percent());
        assertEquals(Flag.parse("canary:12.50"), Flag.canary(12.5));
        assertEquals("shadow:12.5", Flag.shadow(12.5).toString());
    }

    @Test
    void faultsInEverySource() {
        Settings s = Settings.load(null, null, env("FAST_LLM_FAULTS", "gateway.tokens:1, gateway.routing:0.05"), warnings);
        assertEquals(1.0, s.faultRate("gateway.tokens"));
        assertEquals(0.05, s.faultRate("gateway.routing"));
        assertEquals(0.0, s.faultRate("jtokkit.tokens"));
        Settings p = Settings.load(null, props("fastllm.faults", "jtokkit.tokens:0.5"), null, warnings);
        assertEquals(0.5, p.faultRate("jtokkit.tokens"));
        Settings a = Settings.load("tokens=on,faults=gateway.tokens:0.25;spring-ai.tokens:1", null,
                env("FAST_LLM_FAULTS", "gateway.tokens:1"), warnings);
        assertEquals(0.25, a.faultRate("gateway.tokens"), "agent arguments first");
        assertEquals(1.0, a.faultRate("spring-ai.tokens"));
        assertEquals(0.0, Settings.load(null, null, null, warnings).faultRate("gateway.tokens"));
        assertTrue(warnings.messages.isEmpty(), warnings.messages.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway.tokens", "gateway.tokens:2", "gateway.tokens:-1", "gateway.tokens:x",
        "nope:0.5", "gateway.nothing:1", "gateway.tokens:1e-3", "gateway.tokens:0.5,broken"})
    void malformedFaultsWarnOnceAndInjectNothing(String value) {
        Settings s = Settings.load(null, null, env("FAST_LLM_FAULTS", value), warnings);
        assertEquals(1, warnings.messages.size(), warnings.messages.toString());
        assertTrue(warnings.messages.get(0).contains("FAST_LLM_FAULTS"), warnings.messages.get(0));
        assertEquals(0.0, s.faultRate("gateway.tokens"));
    }
}
