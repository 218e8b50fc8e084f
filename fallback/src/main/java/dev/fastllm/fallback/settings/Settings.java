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
import java.util.concurrent.TimeUnit;

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
 * <p>Every malformed entry is reported exactly once, by name, with the accepted forms, through
 * {@link Warnings}. Nothing here throws to the application. Sources are injected so tests do not depend on
 * the real environment.
 */
public final class Settings {

    public static final String ENABLED = "enabled";
    public static final String BREAKER_FAILURES = "breaker.failures";
    public static final String BREAKER_WINDOW = "breaker.window";
    public static final String BREAKER_OPEN = "breaker.open";
    public static final String BREAKER_TRIALS = "breaker.trials";
    public static final String BREAKER_MODE = "breaker.mode";
    public static final String METRICS_PORT = "metrics.port";
    public static final String METRICS_HOST = "metrics.host";
    public static final String METRICS_LATENCY_SAMPLE = "metrics.latency-sample";
    public static final String FAULTS = "faults";

    /** Default percentage of calls whose latency is measured. */
    public static final double DEFAULT_LATENCY_SAMPLE_PERCENT = 1.0;

    static final String BOOLEAN_FORMS = "true, false";
    static final String COUNT_FORMS = "a whole number from 1 to 1000000";
    static final String DURATION_FORMS = "a whole number with unit ms, s or m (e.g. 500ms, 60s, 2m); a bare number is seconds";
    static final String MODE_FORMS = "recover, permanent";
    static final String PORT_FORMS = "a port number 0-65535 (0 picks a free port)";
    static final String HOST_FORMS = "a host name or IP address";
    static final String PERCENT_FORMS = "a percentage 0-100, decimals allowed";
    static final String FAULTS_FORMS = "<point>:<rate>[,<point>:<rate>...] with a rate from 0 to 1 "
            + "(e.g. gateway.tokens:1,gateway.routing:0.05; as an agent argument separate points with ;)";

    private static final String ARG_ORIGIN = "agent argument ";

    /** One source's view: canonical name (or env name) -> entry. */
    private final Map<String, Entry> args;
    private final Map<String, Entry> props;
    private final Map<String, Entry> env;
    private final Warnings warnings;
    private final Set<String> warned = Collections.synchronizedSet(new HashSet<>());

    private final boolean enabled;
    private final String enabledOrigin;
    private final BreakerConfig breaker;
    private final double latencySamplePercent;
    private final int metricsPort;
    private final String metricsHost;
    private final Map<String, Double> faults;

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

        Entry e = find(ENABLED);
        this.enabled = e == null || e.parsed == null || (Boolean) e.parsed;
        this.enabledOrigin = e == null ? "default" : e.origin;

        BreakerConfig d = BreakerConfig.DEFAULTS;
        this.breaker = new BreakerConfig(
                intSetting(BREAKER_FAILURES, d.failures()),
                longSetting(BREAKER_WINDOW, d.windowNanos()),
                longSetting(BREAKER_OPEN, d.openNanos()),
                intSetting(BREAKER_TRIALS, d.trials()),
                "permanent".equals(objectSetting(BREAKER_MODE, "recover")));
        Object sample = objectSetting(METRICS_LATENCY_SAMPLE, DEFAULT_LATENCY_SAMPLE_PERCENT);
        this.latencySamplePercent = (Double) sample;
        this.metricsPort = intSetting(METRICS_PORT, -1);
        this.metricsHost = (String) objectSetting(METRICS_HOST, null);
        @SuppressWarnings("unchecked")
        Map<String, Double> f = (Map<String, Double>) objectSetting(FAULTS, Collections.emptyMap());
        this.faults = f;
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
        return "FAST_LLM_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The system property of a setting: {@code fastllm.} + name. */
    public static String propertyName(String name) {
        return "fastllm." + name;
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
        for (String n : new String[] {ENABLED, BREAKER_FAILURES, BREAKER_WINDOW, BREAKER_OPEN, BREAKER_TRIALS,
                BREAKER_MODE, METRICS_PORT, METRICS_HOST, METRICS_LATENCY_SAMPLE, FAULTS}) {
            nonFlags.put(envName(n), n);
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
        switch (name) {
            case ENABLED:
                return checked(name, origin, value, parseBoolean(value), BOOLEAN_FORMS);
            case BREAKER_FAILURES:
            case BREAKER_TRIALS:
                return checked(name, origin, value, parseCount(value), COUNT_FORMS);
            case BREAKER_WINDOW:
            case BREAKER_OPEN:
                return checked(name, origin, value, parseDuration(value, name.equals(BREAKER_OPEN)), DURATION_FORMS);
            case BREAKER_MODE:
                return checked(name, origin, value, parseBreakerMode(value), MODE_FORMS);
            case METRICS_PORT:
                return checked(name, origin, value, parsePort(value), PORT_FORMS);
            case METRICS_HOST:
                return checked(name, origin, value, parseHost(value), HOST_FORMS);
            case METRICS_LATENCY_SAMPLE: {
                double p = Flag.parsePercent(value.trim());
                return checked(name, origin, value, Double.isNaN(p) ? null : p, PERCENT_FORMS);
            }
            case FAULTS:
                return checked(name, origin, value, parseFaults(value), FAULTS_FORMS);
            default:
                if (Component.bySettingName(name) != null || isPointName(name)) {
                    return flagEntry(name, origin, value);
                }
                warnOnce(origin, origin + " is not a Fast LLM setting; it is ignored (settings: enabled, a component "
                        + "tokens|rate-limiter|connection-pool|routing, a point <target>.<component>, breaker.*, metrics.*, faults)");
                return null;
        }
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

    /**
     * {@code gateway.tokens:1,gateway.routing:0.05} (or with {@code ;}) as point name -> rate in [0, 1];
     * null when any part is malformed. An empty value means no faults.
     */
    static Map<String, Double> parseFaults(String v) {
        Map<String, Double> m = new HashMap<>();
        for (String part : v.split("[,;]")) {
            String item = part.trim();
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String point = item.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String rate = item.substring(colon + 1).trim();
            if (!isPointName(point) || rate.isEmpty() || rate.length() > 12) {
                return null;
            }
            double r;
            try {
                r = Double.parseDouble(rate);
            } catch (NumberFormatException e) {
                return null;
            }
            if (!(r >= 0 && r <= 1) || !rate.matches("[0-9.]+")) {
                return null;
            }
            m.put(point, r);
        }
        return Collections.unmodifiableMap(m);
    }

    static Boolean parseBoolean(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        return t.equals("true") ? Boolean.TRUE : t.equals("false") ? Boolean.FALSE : null;
    }

    static Integer parseCount(String v) {
        String t = v.trim();
        if (t.isEmpty() || t.length() > 7 || !digits(t)) {
            return null;
        }
        int n = Integer.parseInt(t);
        return n >= 1 && n <= 1_000_000 ? n : null;
    }

    /** Nanoseconds, or null. {@code zeroAllowed}: the open period may be 0, the window may not. */
    static Long parseDuration(String v, boolean zeroAllowed) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        TimeUnit unit;
        long factor = 1;
        String number;
        if (t.endsWith("ms")) {
            unit = TimeUnit.MILLISECONDS;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = TimeUnit.SECONDS;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = TimeUnit.SECONDS;
            factor = 60;
            number = t.substring(0, t.length() - 1);
        } else {
            unit = TimeUnit.SECONDS;
            number = t;
        }
        if (number.isEmpty() || number.length() > 9 || !digits(number)) {
            return null;
        }
        long n = Long.parseLong(number) * factor;
        if (n == 0 && !zeroAllowed) {
            return null;
        }
        return unit.toNanos(n);
    }

    static String parseBreakerMode(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        return t.equals("recover") || t.equals("permanent") ? t : null;
    }

    static Integer parsePort(String v) {
        String t = v.trim();
        if (t.isEmpty() || t.length() > 5 || !digits(t)) {
            return null;
        }
        int n = Integer.parseInt(t);
        return n <= 65535 ? n : null;
    }

    static String parseHost(String v) {
        String t = v.trim();
        if (t.isEmpty() || t.length() > 253) {
            return null;
        }
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            boolean ok = Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '_'
                    || ch == '[' || ch == ']' || ch == '%';
            if (!ok) {
                return null;
            }
        }
        return t;
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ resolution

    /** The highest-precedence entry for a canonical name, or null. */
    private Entry find(String name) {
        Entry e = args.get(name);
        if (e == null) {
            e = props.get(name);
        }
        if (e == null) {
            e = env.get(envName(name));
        }
        return e;
    }

    private Object objectSetting(String name, Object dflt) {
        Entry e = find(name);
        return e == null || e.parsed == null ? dflt : e.parsed;
    }

    private int intSetting(String name, int dflt) {
        return (Integer) objectSetting(name, dflt);
    }

    private long longSetting(String name, long dflt) {
        return (Long) objectSetting(name, dflt);
    }

    /**
     * The flag of a point: agent argument (point, component), system property (point, component),
     * environment (point, component), then {@code dflt}. A malformed winning entry, or shadow on a stateful
     * point, gives {@code dflt} with one warning. When the agent is disabled every point is off.
     */
    public FlagChoice flagFor(String pointName, Component component, Kind kind, Flag dflt) {
        if (!enabled) {
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
        return enabled;
    }

    public BreakerConfig breaker() {
        return breaker;
    }

    /** Percentage of calls whose latency is measured (per point, per call draw). Default 1. */
    public double latencySamplePercent() {
        return latencySamplePercent;
    }

    /** The Prometheus endpoint's port, or -1 when no endpoint is wanted. */
    public int metricsPort() {
        return metricsPort;
    }

    /** The endpoint's bind address, or null for loopback. */
    public String metricsHost() {
        return metricsHost;
    }

    /**
     * The rate (0 to 1) at which the named point's fast path is made to throw, from {@code faults}
     * ({@code FAST_LLM_FAULTS=gateway.tokens:1}); 0 when not named. For exercising the fallback in staging
     * and in tests.
     */
    public double faultRate(String pointName) {
        Double r = faults.get(pointName);
        return r == null ? 0 : r;
    }
}
