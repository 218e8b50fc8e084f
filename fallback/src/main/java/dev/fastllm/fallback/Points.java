package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry of instrumentation points. Each point is declared once, by the bridge that serves it,
 * and the returned {@link Point} is kept in a {@code static final} field: the hot path never looks a point
 * up by name. Declaring applies the current {@link Settings}; {@link #configure} re-applies new settings to
 * every point declared so far (a bridge may initialise before the agent has read its settings).
 *
 * <p>{@link #global()} is the process-wide registry the agent and its bridges share. Its static
 * initialisation reads nothing from the process and cannot fail. Tests build their own registries.
 */
public final class Points {

    /** Told about every point, including those declared before the listener was added. */
    public interface Listener {
        void declared(Point point);
    }

    private static final Points GLOBAL = new Points(null, NanoClock.SYSTEM, Warnings.STDERR);

    private final NanoClock clock;
    private final Warnings warnings;
    private final ConcurrentHashMap<String, Point> byName = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Point> inOrder = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Settings settings;

    /**
     * A registry using {@code settings} (null: built-in defaults), {@code clock} for breakers and latency,
     * and {@code warnings} for declaration problems.
     */
    public Points(Settings settings, NanoClock clock, Warnings warnings) {
        this.settings = settings;
        this.clock = clock == null ? NanoClock.SYSTEM : clock;
        this.warnings = warnings == null ? Warnings.STDERR : warnings;
    }

    /** The process-wide registry. */
    public static Points global() {
        return GLOBAL;
    }

    private Settings settings() {
        Settings s = settings;
        if (s == null) {
            synchronized (this) {
                s = settings;
                if (s == null) {
                    s = Settings.defaults();
                    settings = s;
                }
            }
        }
        return s;
    }

    /** The settings currently applied. */
    public Settings currentSettings() {
        return settings();
    }

    /**
     * Declares a point, or returns the one already declared under this name (a second declaration with a
     * different component, kind or default is reported and ignored).
     *
     * @param name        {@code <target>.<component>}, e.g. {@code gateway.rate-limiter}
     * @param component   must match the name's suffix
     * @param kind        pure (draw per call, shadow allowed) or stateful (sticky by key, no shadow)
     * @param defaultFlag the flag when no setting names this point or its component
     * @throws IllegalArgumentException for a malformed name, a component that does not match it, or a
     *                                  shadow default on a stateful point (programming errors of a bridge)
     */
    public Point declare(String name, Component component, Kind kind, Flag defaultFlag) {
        Point existing = byName.get(name);
        if (existing != null) {
            return same(existing, component, kind, defaultFlag);
        }
        if (name == null || !Settings.isPointName(name)) {
            throw new IllegalArgumentException("point name must be <target>.<component>: " + name);
        }
        if (!name.endsWith("." + component.settingName())) {
            throw new IllegalArgumentException("point " + name + " is not of component " + component.settingName());
        }
        if (kind == Kind.STATEFUL && defaultFlag.mode() == Mode.SHADOW) {
            throw new IllegalArgumentException("stateful point " + name + " cannot default to shadow");
        }
        Point created;
        synchronized (this) {
            existing = byName.get(name);
            if (existing != null) {
                return same(existing, component, kind, defaultFlag);
            }
            Settings s = settings();
            created = new Point(name, component, kind, defaultFlag, s.breaker(), clock);
            apply(created, s);
            byName.put(name, created);
            inOrder.add(created);
            for (Listener l : listeners) {
                tell(l, created);
            }
        }
        return created;
    }

    private Point same(Point existing, Component component, Kind kind, Flag defaultFlag) {
        if (existing.component() != component || existing.kind() != kind
                || !existing.defaultFlag().equals(defaultFlag)) {
            warnings.warn("point " + existing.name() + " declared twice with different definitions; the first stands");
        }
        return existing;
    }

    private static void apply(Point p, Settings s) {
        Settings.FlagChoice choice = s.flagFor(p.name(), p.component(), p.kind(), p.defaultFlag());
        p.setFlag(choice.flag(), choice.source());
        p.setBreakerConfig(s.breaker());
        p.setLatencySamplePercent(s.latencySamplePercent());
        p.setFaultRate(s.faultRate(p.name()));
    }

    /**
     * Applies new settings to every declared point and to points declared from now on. Flags set over JMX
     * are replaced by what the settings say.
     */
    public void configure(Settings newSettings) {
        synchronized (this) {
            settings = newSettings;
            for (Point p : inOrder) {
                apply(p, newSettings);
            }
        }
    }

    /** The point of that name, or null. Not for the hot path. */
    public Point get(String name) {
        return name == null ? null : byName.get(name);
    }

    /** Every point, in declaration order. */
    public List<Point> all() {
        return new ArrayList<>(inOrder);
    }

    /** Adds a listener and tells it about every point declared so far. */
    public void addListener(Listener listener) {
        synchronized (this) {
            listeners.add(listener);
            for (Point p : inOrder) {
                tell(listener, p);
            }
        }
    }

    private void tell(Listener l, Point p) {
        try {
            l.declared(p);
        } catch (Throwable t) {
            warnings.warn("could not register point " + p.name() + " with " + l.getClass().getName() + ": " + t);
        }
    }

    /** One line per point (see {@link Point#statusLine()}), in declaration order, for the agent's start log. */
    public List<String> statusLines() {
        List<String> lines = new ArrayList<>(inOrder.size());
        for (Point p : inOrder) {
            lines.add(p.statusLine());
        }
        return lines;
    }
}
