package dev.fastllm.agent;

import dev.fastllm.fallback.FallbackRuntime;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.Nexus;
import net.bytebuddy.dynamic.scaffold.TypeValidation;

import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

/**
 * The agent proper, started by {@code AgentLauncher} inside the isolated class loader: reads the settings and
 * starts metrics ({@link FallbackRuntime}), declares every point (default {@code on}), binds each point's fast
 * path to its bridge, installs one Byte Buddy {@link AgentBuilder} with a listener that reports each target
 * (made on a daemon thread behind a {@link DeferredTransformer} when no target is loaded yet, else installed
 * at once with retransformation), and schedules JMX. Any failure is reported and leaves the application as it was.
 */
public final class AgentInstaller {

    private AgentInstaller() {
    }

    /** Called once per JVM (see {@code AgentGuard}). Never throws. */
    public static void install(String agentArgs, Instrumentation inst, boolean attached) {
        PrintStream out = System.err;
        try {
            MicrometerLogging.install();
            quietByteBuddy();
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
            if (loadedTargets.isEmpty()) {
                DeferredTransformer deferred = new DeferredTransformer(bound);
                inst.addTransformer(deferred, true);
                new DeferredTransformer.Maker(deferred, bound, reporter).start();
            } else {
                agentBuilder(bound, reporter, loadedTargets).installOn(inst);
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
     * One agent builder for every point. Classes that load from now on are matched by name as they load; target
     * classes already loaded (an attach, or another agent's premain) are retransformed, and only those: the
     * default discovery would describe every loaded class, seconds of work at start-up.
     */
    static AgentBuilder agentBuilder(List<PointInstrumentation> instrumentations, TargetReporter reporter,
                                     List<Class<?>> loadedTargets) {
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges();
        if (!loadedTargets.isEmpty()) {
            builder = builder.with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .with(new AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Explicit(
                            loadedTargets.toArray(new Class<?>[0])));
        }
        builder = builder
                .with(reporter)
                .with(TargetNameFilter.forTargets(instrumentations))
                .ignore(nameStartsWith("dev.fastllm.shaded.").or(nameStartsWith("dev.fastllm.agent."))
                        .or(nameStartsWith("java.")).or(nameStartsWith("jdk.")).or(nameStartsWith("sun.")));
        for (PointInstrumentation pi : instrumentations) {
            builder = builder.type(named(pi.targetClass())).transform(new AdviceTransformer(pi, reporter));
        }
        return builder;
    }

    /**
     * Turns off Byte Buddy's "nexus" (self-initialisation of generated classes, which this agent does not use):
     * its set-up reaches for {@code sun.misc.Unsafe}, which JDK 24 and later warn about on standard error. The
     * property is the relocated copy's own ({@code dev.fastllm.shaded.net.bytebuddy.nexus.disabled}), so no
     * other Byte Buddy in the process is affected; a value already set is kept.
     */
    private static void quietByteBuddy() {
        if (System.getProperty(Nexus.PROPERTY) == null) {
            System.setProperty(Nexus.PROPERTY, "true");
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
