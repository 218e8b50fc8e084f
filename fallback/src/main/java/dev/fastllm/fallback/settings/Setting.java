package dev.fastllm.fallback.settings;

import dev.fastllm.fallback.BreakerConfig;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One setting of the agent other than the flags of components and points: its canonical name, its
 * spellings as a system property and an environment variable, how its value is read, its default and a line
 * of help. Every such setting is one constant here; {@link Settings} reads each of them from every source
 * through this table, so adding a setting is adding a constant (and an accessor on {@link Settings} for the
 * code that uses it).
 *
 * <p>Spellings: the system property is {@code fastllm.} + name, the environment variable {@code FAST_LLM_} +
 * the name upper-cased with {@code .} and {@code -} turned to {@code _}, an agent argument {@code name=value}.
 *
 * @param <T> the type of the value: what {@link Settings#get} returns
 */
public final class Setting<T> {

    /** {@code false} turns every point off. */
    public static final Setting<Boolean> ENABLED = new Setting<>("enabled", ValueParser.BOOLEAN, Boolean.TRUE,
            "false turns every point off: nothing is rewritten");
    /** Fast-path errors within {@link #BREAKER_WINDOW} that open a point's breaker. */
    public static final Setting<Integer> BREAKER_FAILURES = new Setting<>("breaker.failures", ValueParser.COUNT,
            BreakerConfig.DEFAULT_FAILURES, "fast-path errors within breaker.window that open a point's breaker");
    /** The window of {@link #BREAKER_FAILURES}, in nanoseconds. */
    public static final Setting<Long> BREAKER_WINDOW = new Setting<>("breaker.window", ValueParser.DURATION,
            BreakerConfig.DEFAULT_WINDOW_NANOS, "the window in which breaker.failures errors open the breaker");
    /** How long an opened breaker stays open before trials, in nanoseconds. */
    public static final Setting<Long> BREAKER_OPEN = new Setting<>("breaker.open", ValueParser.DURATION_OR_ZERO,
            BreakerConfig.DEFAULT_OPEN_NANOS, "how long an opened breaker sends every call to the original");
    /** Trial calls a half-open breaker lets through; all must succeed to close it. */
    public static final Setting<Integer> BREAKER_TRIALS = new Setting<>("breaker.trials", ValueParser.COUNT,
            BreakerConfig.DEFAULT_TRIALS, "trial calls of a half-open breaker; all must succeed to close it");
    /** {@code recover} or {@code permanent} (an opened breaker stays open until reset over JMX). */
    public static final Setting<String> BREAKER_MODE = new Setting<>("breaker.mode", ValueParser.BREAKER_MODE,
            "recover", "permanent keeps an opened breaker open for the rest of the process (reset over JMX)");
    /**
     * How a point checks that a target instance is one it can answer exactly (JTokkit encodings):
     * {@code background} (the original answers that instance until the check, on another thread, is done) or
     * {@code first-call} (the instance's first call waits for it).
     */
    public static final Setting<String> IDENTIFY = new Setting<>("identify", ValueParser.IDENTIFY, "background",
            "first-call makes an encoding's first call wait while the agent checks it; background lets the original"
                    + " answer meanwhile");
    /** The Prometheus endpoint's port; -1 (the default) serves no endpoint. */
    public static final Setting<Integer> METRICS_PORT = new Setting<>("metrics.port", ValueParser.PORT, -1,
            "port of the Prometheus text endpoint; unset: no endpoint");
    /** The endpoint's bind address; null (the default) is loopback. */
    public static final Setting<String> METRICS_HOST = new Setting<>("metrics.host", ValueParser.HOST, null,
            "address the metrics endpoint binds; unset: loopback");
    /** Percentage of calls whose latency is measured, per point. */
    public static final Setting<Double> METRICS_LATENCY_SAMPLE = new Setting<>("metrics.latency-sample",
            ValueParser.PERCENT, 1.0, "percentage of calls whose latency is measured");
    /** Point name to the rate (0 to 1) at which its fast path is made to throw. */
    public static final Setting<Map<String, Double>> FAULTS = new Setting<>("faults", ValueParser.FAULTS,
            Collections.<String, Double>emptyMap(), "points whose fast path is made to throw, and at which rate");

    private static final List<Setting<?>> ALL = Collections.unmodifiableList(Arrays.<Setting<?>>asList(
            ENABLED, BREAKER_FAILURES, BREAKER_WINDOW, BREAKER_OPEN, BREAKER_TRIALS, BREAKER_MODE, IDENTIFY,
            METRICS_PORT, METRICS_HOST, METRICS_LATENCY_SAMPLE, FAULTS));

    private final String name;
    private final String propertyName;
    private final String envName;
    private final ValueParser parser;
    private final T defaultValue;
    private final String help;

    private Setting(String name, ValueParser parser, T defaultValue, String help) {
        this.name = name;
        this.propertyName = propertyName(name);
        this.envName = envName(name);
        this.parser = parser;
        this.defaultValue = defaultValue;
        this.help = help;
    }

    /** Every setting in this table, in declaration order. */
    public static List<Setting<?>> all() {
        return ALL;
    }

    /** The setting of that canonical name, or null (flags of components and points are not in this table). */
    public static Setting<?> byName(String name) {
        for (Setting<?> s : ALL) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** The environment variable of any setting name: {@code gateway.rate-limiter -> FAST_LLM_GATEWAY_RATE_LIMITER}. */
    static String envName(String name) {
        return "FAST_LLM_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The system property of any setting name: {@code fastllm.} + name. */
    static String propertyName(String name) {
        return "fastllm." + name;
    }

    /** The canonical name, also the agent argument's name: {@code breaker.failures}. */
    public String name() {
        return name;
    }

    /** {@code fastllm.breaker.failures}. */
    public String propertyName() {
        return propertyName;
    }

    /** {@code FAST_LLM_BREAKER_FAILURES}. */
    public String envName() {
        return envName;
    }

    /** The built-in default (may be null: unset). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The accepted forms of a value, as named in a warning. */
    public String forms() {
        return parser.forms();
    }

    /** What the setting does, in one line. */
    public String help() {
        return help;
    }

    /** The value of {@code text}, or null when malformed. */
    Object parse(String text) {
        return parser.parse(text);
    }

    @Override
    public String toString() {
        return name;
    }
}
