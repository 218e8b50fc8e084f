package dev.fastllm.agent;

import dev.fastllm.fallback.FallbackRuntime;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;

import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent proper, started by {@code AgentLauncher} inside the isolated class loader: reads the settings and
 * starts metrics ({@link FallbackRuntime}), declares every point (default {@code on}), binds each point's fast
 * path to its bridge, registers one {@link PointTransformer} that rewrites and reports each target as it loads
 * (targets already loaded, after an attach, are retransformed), and schedules JMX. Any failure is reported and leaves the application as it was.
 */
public final class AgentInstaller {

    private AgentInstaller() {
    }

    /** Called once per JVM (see {@code AgentGuard}). Never throws. */
    public static void install(String agentArgs, Instrumentation inst, boolean attached) {
        PrintStream out = System.err;
        try {
            MicrometerLogging.install();
            FallbackRuntime runtime = FallbackRuntime.start(agentArgs);
            if (!runtime.settings().enabled()) {
                out.println("[fast-llm] disabled by setting enabled=false: nothing is rewritten");
                return;
            }
            TargetReporter reporter = new TargetReporter(out);
            List<PointInstrumentation> bound = new ArrayList<>();
            for (PointInstrumentation pi : Instrumentations.all()) {
                try {
                    Point point = Points.global().declare(pi.pointName(), pi.component(), pi.kind(), Flag.ON);
                    pi.bind(point);
                    reporter.register(pi, point);
                    bound.add(pi);
                } catch (Throwable t) {
                    out.println("[fast-llm] WARNING " + pi.pointName() + " not installed: " + t);
                }
            }
            List<Class<?>> loadedTargets = loadedTargets(inst, bound);
            PointTransformer transformer = new PointTransformer(bound, reporter);
            inst.addTransformer(transformer, true);
            retransform(inst, loadedTargets, bound, reporter);
            for (PointInstrumentation pi : bound) {
                Point point = reporter.point(pi);
                point.onFlagChange(() -> rewriteOnceOn(inst, transformer, pi, point, reporter));
            }
            for (PointInstrumentation pi : bound) {
                if (!onClassPath(pi.targetClass()) && !isLoaded(loadedTargets, pi.targetClass())) {
                    reporter.absent(pi);
                }
            }
            List<String> lines = runtime.statusLines();
            for (String line : lines) {
                if (line.startsWith("[fast-llm] metrics on ")) {
                    out.println(line);
                }
            }
            JmxRegistration.schedule(runtime, inst, attached);
        } catch (Throwable t) {
            out.println("[fast-llm] WARNING the agent did not start; the application runs unchanged: " + t);
        }
    }

    /**
     * Rewrites target classes some class loader defined before the agent started (an attach, or another agent's
     * premain), one at a time, so one that cannot be retransformed leaves the others rewritten.
     */
    private static void retransform(Instrumentation inst, List<Class<?>> loaded, List<PointInstrumentation> points,
                                    TargetReporter reporter) {
        for (Class<?> c : loaded) {
            try {
                inst.retransformClasses(c);
            } catch (Throwable t) {
                for (PointInstrumentation pi : points) {
                    if (pi.targetClass().equals(c.getName())) {
                        reporter.failed(pi, c.getClassLoader(), t);
                    }
                }
            }
        }
    }

    /**
     * A point was turned on (or to a canary) at run time: its target classes left as they were while it was off
     * are retransformed now, as an attach would (the transformer rewrites them now that the point is not off).
     * Runs on the thread that changed the flag (JMX); never throws. A class still being defined at that instant
     * is not seen: it keeps answering with its original body (correct, not accelerated) until the point's flag
     * changes again.
     */
    private static void rewriteOnceOn(Instrumentation inst, PointTransformer transformer, PointInstrumentation pi,
                                      Point point, TargetReporter reporter) {
        if (!point.isOff() && transformer.deferred(pi)) {
            retransform(inst, loadedTargets(inst, List.of(pi)), List.of(pi), reporter);
        }
    }

    /** The target's class file is on the application class path (it will be rewritten when it loads). */
    private static boolean onClassPath(String className) {
        try {
            return ClassLoader.getSystemClassLoader().getResource(className.replace('.', '/') + ".class") != null;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Target classes some class loader has already defined (any number per target: one per loader). */
    private static List<Class<?>> loadedTargets(Instrumentation inst, List<PointInstrumentation> instrumentations) {
        List<Class<?>> found = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            for (PointInstrumentation pi : instrumentations) {
                if (c.getName().equals(pi.targetClass()) && inst.isModifiableClass(c)) {
                    found.add(c);
                }
            }
        }
        return found;
    }

    private static boolean isLoaded(List<Class<?>> loaded, String className) {
        for (Class<?> c : loaded) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }
}
