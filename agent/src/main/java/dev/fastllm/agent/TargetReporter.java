package dev.fastllm.agent;

import dev.fastllm.fallback.Point;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What happened to each point's target, told once per point on standard error: applied to
 * {@code Class#method}, target absent, present but of an unsupported shape (left alone), or instrumentation
 * failed (logged once, left alone). A point's line is printed when its outcome is known: at start for a
 * target that no class loader can find, otherwise when the class loads (or, after an attach, when it is
 * retransformed). A target defined again by another class loader adds one line per loader. Nothing is
 * printed per call.
 */
final class TargetReporter {

    private final PrintStream out;
    private final Map<String, Point> points = new HashMap<>();
    private final Set<String> reported = new HashSet<>();
    private final Set<String> failed = new HashSet<>();

    TargetReporter(PrintStream out) {
        this.out = out;
    }

    synchronized void register(PointInstrumentation instrumentation, Point point) {
        points.put(instrumentation.pointName(), point);
    }

    /** The point registered for {@code instrumentation}, or null. */
    synchronized Point point(PointInstrumentation instrumentation) {
        return points.get(instrumentation.pointName());
    }

    /** The target loaded while its point was off: left as it is until the point is turned on. */
    synchronized void leftWhileOff(PointInstrumentation instrumentation, ClassLoader loader) {
        Point p = points.get(instrumentation.pointName());
        p.markTarget("target " + instrumentation.targetClass() + " present, left as it is while off (rewritten when "
                + "turned on)");
        if (reported.add(key(instrumentation, loader) + "/off")) {
            line(p.statusLine());
        }
    }

    /** At start: no class loader has the target yet and the application class path does not hold it. */
    synchronized void absent(PointInstrumentation instrumentation) {
        Point p = points.get(instrumentation.pointName());
        p.markAbsent();
        line(p.statusLine());
    }

    synchronized void unsupported(PointInstrumentation instrumentation, ClassLoader loader, String why) {
        Point p = points.get(instrumentation.pointName());
        p.markTarget("target " + instrumentation.targetClass() + " present but of an unsupported shape (" + why
                + "); left alone");
        if (reported.add(key(instrumentation, loader))) {
            line(p.statusLine());
        }
    }

    /** The target's class file was rewritten for the class loader {@code loader}. */
    synchronized void applied(PointInstrumentation instrumentation, ClassLoader loader) {
        Point p = points.get(instrumentation.pointName());
        boolean first = p.target() == null || !p.target().startsWith("applied to ");
        p.markApplied(instrumentation.appliedTo());
        if (first) {
            line(p.statusLine());
        } else if (reported.add(key(instrumentation, loader))) {
            line(instrumentation.pointName() + ": also applied to " + instrumentation.appliedTo() + " in "
                    + describe(loader));
        }
        reported.add(key(instrumentation, loader));
    }

    /** Rewriting the target failed; it loads unchanged. Told once per point. */
    synchronized void failed(PointInstrumentation instrumentation, ClassLoader loader, Throwable error) {
        Point p = points.get(instrumentation.pointName());
        if (failed.add(instrumentation.pointName())) {
            p.markTarget("instrumentation of " + instrumentation.targetClass() + " failed (" + error
                    + "); left alone");
            line(p.statusLine());
        }
    }

    private static String key(PointInstrumentation instrumentation, ClassLoader loader) {
        return instrumentation.pointName() + "@" + System.identityHashCode(loader);
    }

    private static String describe(ClassLoader loader) {
        return loader == null ? "the bootstrap class loader" : "class loader " + loader.getClass().getName() + "@"
                + Integer.toHexString(System.identityHashCode(loader));
    }

    private void line(String text) {
        try {
            out.println("[fast-llm] " + text);
        } catch (Throwable ignored) {
            // never let reporting hurt the application
        }
    }

    void info(String text) {
        line(text);
    }
}
