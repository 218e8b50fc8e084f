package dev.fastllm.fallback.settings;

import dev.fastllm.fallback.BreakerConfig;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Mode;
import dev.fastllm.fallback.Warnings;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Every setting of the agent, read once from its three sources: agent arguments
 * ({@code rate-limiter=canary:10,tokens=on}), system properties ({@code -Dfastllm.rate-limiter=...}) and
 * environment ({@code FAST_LLM_RATE_LIMITER=...}), in that order of precedence, over built-in defaults.
 *
 * <p>A setting has one canonical name ({@code rate-limiter}, {@code gateway.tokens}, {@code breaker.failures});
 * its property is {@code fastllm.} + name, its environment variable {@code FAST_LLM_} + the name upper-cased
 * with {@code .} and {@code -} turned to {@code _}. For a point's flag the order is: agent argument for the
 * point, then for its component, then system property for the point, then for its component, then
 * environment likewise, then the point's declared default. The first entry present decides; if that entry
 * is malformed the setting keeps its default (it is never skipped in favour of a lower source).
 *
 * <p>Flags are named by the components ({@link Component}) and points; every other setting is a constant of
 * {@link Setting}, read here through that table and returned by {@link #get(Setting)}.
 *
 * <p>Every malformed entry is reported exactly once, by name, with the accepted forms, through
 * {@link Warnings}. Nothing here throws to the application. Sources are injected so tests do not depend on
 * the real environment.
 */
public final class Settings {

    private static final String ARG_ORIGIN = "agent argument ";

    /** One source's view: canonical name (or env name) -> entry. */
    private final Map<String, Entry> args;
    private final Map<String, Entry> props;
    private final Map<String, Entry> env;
    private final Warnings warnings;
    private final Set<String> warned = Collections.synchronizedSet(new HashSet<>());

    /** The resolved value of every {@link Setting}: from the winning source, or its default. */
    private final Map<Setting<?>, Object> values = new HashMap<>();
    private final String enabledOrigin;
    private final BreakerConfig breaker;

    /** A raw value, where it came from, and what it parsed to (null when malformed). */
    private static final class Entry {
        final String origin;
        final String raw;
        final Object parsed;

        Entry(String origin, String raw, Object parsed) {
            this.origin = origin;
            this.raw = raw;
            this.parsed = parsed;
        }
    }

    /** A point's resolved flag and where it came from. */
    public static final class FlagChoice {
        private final Flag flag;
        private final String source;

        FlagChoice(Flag flag, String source) {
            this.flag = flag;
            this.source = source;
        }

        public Flag flag() {
            return flag;
        }

        /** "default", "agent argument tokens", "-Dfastllm.tokens", "FAST_LLM_TOKENS"... */
        public String source() {
            return source;
        }
    }

    private Settings(String agentArgs, Properties properties, Map<String, String> environment, Warnings warnings) {
        this.warnings = warnings == null ? Warnings.STDERR : warnings;
        this.args = readArgs(agentArgs);
        this.props = readProps(properties);
        this.env = readEnv(environment);

        for (Setting<?> setting : Setting.all()) {
            Entry e = find(setting);
            values.put(setting, e == null || e.parsed == null ? setting.defaultValue() : e.parsed);
        }
        Entry e = find(Setting.ENABLED);
        this.enabledOrigin = e == null ? "default" : e.origin;
        this.breaker = new BreakerConfig(get(Setting.BREAKER_FAILURES), get(Setting.BREAKER_WINDOW),
                get(Setting.BREAKER_OPEN), get(Setting.BREAKER_TRIALS), "permanent".equals(get(Setting.BREAKER_MODE)));
    }

    /**
     * Reads the given sources. {@code agentArgs} may be null or empty; so may the others.
     * Never throws; malformed entries are reported to {@code warnings} once each.
     */
    public static Settings load(String agentArgs, Properties systemProperties, Map<String, String> environment,
                                Warnings warnings) {
        return new Settings(agentArgs, systemProperties, environment, warnings);
    }

    /** Reads the real system properties and environment. */
    public static Settings fromSystem(String agentArgs, Warnings warnings) {
        Properties p;
        Map<String, String> e;
        try {
            p = System.getProperties();
        } catch (SecurityException ex) {
            p = new Properties();
        }
        try {
            e = System.getenv();
        } catch (SecurityException ex) {
            e = Collections.emptyMap();
        }
        return load(agentArgs, p, e, warnings);
    }

    /** Built-in defaults only; reads nothing from the process. */
    public static Settings defaults() {
        return load(null, null, null, Warnings.STDERR);
    }

    /** The environment variable of a setting: {@code gateway.rate-limiter -> FAST_LLM_GATEWAY_RATE_LIMITER}. */
    public static String envName(String name) {
        return Setting.envName(name);
    }

    /** The system property of a setting: {@code fastllm.} + name. */
    public static String propertyName(String name) {
        return Setting.propertyName(name);
    }

    /** True for a point name of the form {@code <target>.<component>}, e.g. {@code spring-ai.tokens}. */
    public static boolean isPointName(String name) {
        int dot = name.indexOf('.');
        if (dot <= 0 || dot != name.lastIndexOf('.')) {
            return false;
        }
        for (int i = 0; i < dot; i++) {
            char ch = name.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && i > 0);
            if (!ok) {
                return false;
            }
        }
        return Component.bySettingName(name.substring(dot + 1)) != null;
    }

    // ------------------------------------------------------------------ reading the sources

    private Map<String, Entry> readArgs(String agentArgs) {
        Map<String, Entry> m = new HashMap<>();
        if (agentArgs == null) {
            return m;
        }
        for (String part : agentArgs.split(",")) {
            String item = part.trim();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                warnings.warn("agent argument '" + shorten(item) + "' is not name=value; it is ignored "
                        + "(example: rate-limiter=canary:10,tokens=on)");
                continue;
            }
            String name = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = item.substring(eq + 1).trim();
            Entry e = parseEntry(name, ARG_ORIGIN + name, value);
            if (e != null) {
                m.put(name, e);
            }
        }
        return m;
    }

    private Map<String, Entry> readProps(Properties properties) {
        Map<String, Entry> m = new HashMap<>();
        if (properties == null) {
            return m;
        }
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith("fastllm.")) {
                continue;
            }
            String name = key.substring("fastllm.".length());
            Entry e = parseEntry(name, "-D" + key, properties.getProperty(key));
            if (e != null) {
                m.put(name, e);
            }
        }
        return m;
    }

    private Map<String, Entry> readEnv(Map<String, String> environment) {
        Map<String, Entry> m = new HashMap<>();
        if (environment == null) {
            return m;
        }
        Map<String, String> nonFlags = new HashMap<>();
        for (Setting<?> setting : Setting.all()) {
            nonFlags.put(setting.envName(), setting.name());
        }
        for (Map.Entry<String, String> kv : environment.entrySet()) {
            String key = kv.getKey();
            if (key == null || !key.startsWith("FAST_LLM_")) {
                continue;
            }
            String value = kv.getValue() == null ? "" : kv.getValue();
            String nonFlag = nonFlags.get(key);
            Entry e;
            if (nonFlag != null) {
                e = parseEntry(nonFlag, key, value);
            } else if (isFlagEnvName(key)) {
                e = flagEntry(key, key, value);
            } else {
                warnOnce(key, "environment variable " + key + " is not a Fast LLM setting; it is ignored");
                e = null;
            }
            if (e != null) {
                m.put(key, e);
            }
        }
        return m;
    }

    private static boolean isFlagEnvName(String key) {
        for (Component c : Component.values()) {
            String suffix = envName(c.settingName()).substring("FAST_LLM_".length());
            if (key.equals("FAST_LLM_" + suffix) || (key.endsWith("_" + suffix)
                    && key.length() > "FAST_LLM_".length() + suffix.length() + 1)) {
                return true;
            }
        }
        return false;
    }

    /** Parses one entry by its canonical name; warns and returns an unparsed entry when malformed. */
    private Entry parseEntry(String name, String origin, String value) {
        Setting<?> setting = Setting.byName(name);
        if (setting != null) {
            return checked(name, origin, value, setting.parse(value), setting.forms());
        }
        if (Component.bySettingName(name) != null || isPointName(name)) {
            return flagEntry(name, origin, value);
        }
        warnOnce(origin, origin + " is not a Fast LLM setting; it is ignored (settings: enabled, a component "
                + "tokens|rate-limiter|connection-pool|routing, a point <target>.<component>, breaker.*, metrics.*, faults)");
        return null;
    }

    private Entry flagEntry(String name, String origin, String value) {
        return checked(name, origin, value, Flag.parse(value), Flag.ACCEPTED_FORMS);
    }

    private Entry checked(String name, String origin, String value, Object parsed, String forms) {
        if (parsed == null) {
            warnOnce(origin, "setting " + origin + "='" + shorten(value) + "' is malformed; accepted: " + forms
                    + "; " + name + " keeps its default");
        }
        return new Entry(origin, value, parsed);
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) {
            warnings.warn(message);
        }
    }

    private static String shorten(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    // ------------------------------------------------------------------ resolution

    /** The highest-precedence entry of a setting, or null. */
    private Entry find(Setting<?> setting) {
        Entry e = args.get(setting.name());
        if (e == null) {
            e = props.get(setting.name());
        }
        if (e == null) {
            e = env.get(setting.envName());
        }
        return e;
    }

    /**
     * The value of a setting: from agent arguments, system properties or environment, in that order, or its
     * default when none has it or the winning entry is malformed.
     */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    /**
     * The flag of a point: agent argument (point, component), system property (point, component),
     * environment (point, component), then {@code dflt}. A malformed winning entry, or shadow on a stateful
     * point, gives {@code dflt} with one warning. When the agent is disabled every point is off.
     */
    public FlagChoice flagFor(String pointName, Component component, Kind kind, Flag dflt) {
        if (!enabled()) {
            return new FlagChoice(Flag.OFF, enabledOrigin + "=false");
        }
        String c = component.settingName();
        Entry e = args.get(pointName);
        if (e == null) {
            e = args.get(c);
        }
        if (e == null) {
            e = props.get(pointName);
        }
        if (e == null) {
            e = props.get(c);
        }
        if (e == null) {
            e = env.get(envName(pointName));
        }
        if (e == null) {
            e = env.get(envName(c));
        }
        if (e == null) {
            return new FlagChoice(dflt, "default");
        }
        if (e.parsed == null) {
            return new FlagChoice(dflt, "default; " + e.origin + " is malformed");
        }
        Flag f = (Flag) e.parsed;
        if (kind == Kind.STATEFUL && f.mode() == Mode.SHADOW) {
            warnOnce(e.origin + "#shadow", "setting " + e.origin + "='" + shorten(e.raw) + "' is invalid for stateful point "
                    + pointName + ": shadow runs both implementations and would split a key's state; accepted for "
                    + "stateful points: on, off, canary:N; " + pointName + " keeps its default");
            return new FlagChoice(dflt, "default; " + e.origin + " is invalid here");
        }
        return new FlagChoice(f, e.origin);
    }

    /** {@code enabled}: false turns every point off. Default true. */
    public boolean enabled() {
        return get(Setting.ENABLED);
    }

    public BreakerConfig breaker() {
        return breaker;
    }

    /** {@code identify=background} (the default): a target instance is checked aside while the original answers. */
    public boolean identifyInBackground() {
        return !"first-call".equals(get(Setting.IDENTIFY));
    }

    /** Percentage of calls whose latency is measured (per point, per call draw). Default 1. */
    public double latencySamplePercent() {
        return get(Setting.METRICS_LATENCY_SAMPLE);
    }

    /** The Prometheus endpoint's port, or -1 when no endpoint is wanted. */
    public int metricsPort() {
        return get(Setting.METRICS_PORT);
    }

    /** The endpoint's bind address, or null for loopback. */
    public String metricsHost() {
        return get(Setting.METRICS_HOST);
    }

    /**
     * The rate (0 to 1) at which the named point's fast path is made to throw, from {@code faults}
     * ({@code FAST_LLM_FAULTS=gateway.tokens:1}); 0 when not named. For exercising the fallback in staging
     * and in tests.
     */
    public double faultRate(String pointName) {
        Double r = get(Setting.FAULTS).get(pointName);
        return r == null ? 0 : r;
    }
}
