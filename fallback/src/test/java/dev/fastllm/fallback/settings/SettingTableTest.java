package dev.fastllm.fallback.settings;

import dev.fastllm.fallback.BreakerConfig;
import dev.fastllm.fallback.RecordingWarnings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The table of settings: every entry read from every source, its spellings, defaults and the README. */
class SettingTableTest {

    /** A valid text for every setting and what it must read as; a setting added to the table needs one here. */
    private static final Map<Setting<?>, Object[]> SAMPLES = new HashMap<>();

    static {
        SAMPLES.put(Setting.ENABLED, new Object[] {"FALSE", Boolean.FALSE});
        SAMPLES.put(Setting.BREAKER_FAILURES, new Object[] {"3", 3});
        SAMPLES.put(Setting.BREAKER_WINDOW, new Object[] {"2m", TimeUnit.MINUTES.toNanos(2)});
        SAMPLES.put(Setting.BREAKER_OPEN, new Object[] {"0", 0L});
        SAMPLES.put(Setting.BREAKER_TRIALS, new Object[] {" 7 ", 7});
        SAMPLES.put(Setting.BREAKER_MODE, new Object[] {"Permanent", "permanent"});
        SAMPLES.put(Setting.IDENTIFY, new Object[] {"First-Call", "first-call"});
        SAMPLES.put(Setting.METRICS_PORT, new Object[] {"9464", 9464});
        SAMPLES.put(Setting.METRICS_HOST, new Object[] {"::1", "::1"});
        SAMPLES.put(Setting.METRICS_LATENCY_SAMPLE, new Object[] {"12.5", 12.5});
        SAMPLES.put(Setting.FAULTS, new Object[] {"gateway.tokens:0.5", Map.of("gateway.tokens", 0.5)});
    }

    private final RecordingWarnings warnings = new RecordingWarnings();

    @Test
    void everySettingHasOneNameAndItsSpellings() {
        Set<String> names = new HashSet<>();
        Set<String> envNames = new HashSet<>();
        for (Setting<?> s : Setting.all()) {
            assertTrue(names.add(s.name()), "duplicate " + s);
            assertTrue(envNames.add(s.envName()), "duplicate " + s.envName());
            assertEquals(Settings.envName(s.name()), s.envName());
            assertEquals("fastllm." + s.name(), s.propertyName());
            assertSame(s, Setting.byName(s.name()));
            assertTrue(!s.help().isEmpty() && !s.forms().isEmpty(), s.name());
        }
        assertEquals("FAST_LLM_METRICS_LATENCY_SAMPLE", Setting.METRICS_LATENCY_SAMPLE.envName());
        assertNull(Setting.byName("tokens"), "flags are not in the table");
        assertNull(Setting.byName("gateway.tokens"));
    }

    @Test
    void everySettingReadsFromEverySourceInOrder() {
        assertEquals(Setting.all().size(), SAMPLES.size(), "a sample for every setting");
        for (Setting<?> s : Setting.all()) {
            String text = (String) SAMPLES.get(s)[0];
            Object expected = SAMPLES.get(s)[1];
            Map<String, String> env = new HashMap<>();
            env.put(s.envName(), text);
            Properties props = new Properties();
            props.setProperty(s.propertyName(), text);
            assertEquals(expected, Settings.load(null, null, env, warnings).get(s), s + " from the environment");
            assertEquals(expected, Settings.load(null, props, null, warnings).get(s), s + " from a property");
            assertEquals(expected, Settings.load(s.name() + "=" + text, null, null, warnings).get(s),
                    s + " from an agent argument");
            // a higher source wins even when it says the default (where the default can be written)
            Object dflt = s.defaultValue();
            String dfltText = defaultText(s);
            if (dflt != null && dflt.equals(s.parse(dfltText))) {
                assertEquals(dflt, Settings.load(null, propsOf(s, dfltText), env, warnings).get(s), s.name());
                assertEquals(dflt, Settings.load(s.name() + "=" + dfltText, props, env, warnings).get(s), s.name());
            }
        }
        assertTrue(warnings.messages.isEmpty(), warnings.messages.toString());
    }

    private static Properties propsOf(Setting<?> s, String text) {
        Properties p = new Properties();
        p.setProperty(s.propertyName(), text);
        return p;
    }

    /** The default written as a value of the setting. */
    private static String defaultText(Setting<?> s) {
        Object d = s.defaultValue();
        if (d instanceof Long) {
            return TimeUnit.NANOSECONDS.toMillis((Long) d) + "ms";
        }
        return d instanceof Map ? "" : String.valueOf(d);
    }

    @Test
    void everySettingKeepsItsDefaultOnAMalformedValueWithOneWarning() {
        for (Setting<?> s : Setting.all()) {
            RecordingWarnings w = new RecordingWarnings();
            Map<String, String> env = new HashMap<>();
            env.put(s.envName(), "a b");
            Settings read = Settings.load(null, null, env, w);
            assertEquals(s.defaultValue(), read.get(s), s.name());
            assertEquals(1, w.messages.size(), w.messages.toString());
            assertTrue(w.messages.get(0).contains(s.envName()) && w.messages.get(0).contains(s.forms()),
                    w.messages.get(0));
        }
    }

    @Test
    void defaultsAreTheTables() {
        Settings d = Settings.load(null, null, null, warnings);
        for (Setting<?> s : Setting.all()) {
            assertEquals(s.defaultValue(), d.get(s), s.name());
        }
        assertEquals(BreakerConfig.DEFAULTS.toString(), d.breaker().toString());
    }

    @Test
    void theReadmeListsEverySettingWithItsSpellings() throws IOException {
        Path readme = Paths.get(System.getProperty("user.dir")).resolveSibling("README.md");
        assertTrue(Files.isRegularFile(readme), readme.toString());
        String text = new String(Files.readAllBytes(readme), StandardCharsets.UTF_8);
        for (Setting<?> s : Setting.all()) {
            String row = "| `" + s.name() + "` | `" + s.envName() + "` | `" + s.propertyName() + "` |";
            assertTrue(text.contains(row), "README's settings table lacks " + row);
        }
    }

    @Test
    void samplesParseToNonNullValues() {
        for (Setting<?> s : Setting.all()) {
            assertNotNull(s.parse((String) SAMPLES.get(s)[0]), s.name());
        }
    }
}
