package dev.fastllm.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.JavaModule;

import java.security.ProtectionDomain;

/**
 * Rewrites one point's target class when it loads: checks the shape first (each of the point's
 * {@link Rewrite}s matches exactly one method with a body, and {@link PointInstrumentation#unsupportedShape}
 * has no objection), then inlines each rewrite's advice. A class of another shape is reported and left
 * alone: all of a point's methods are rewritten or none, so a stateful target never has its state split
 * between a rewritten method and one that is not. Advice is described from its class
 * file, never loaded as a class by the agent: it names the target's own types (the result it builds, the
 * arguments it reads), which are resolved from the target's class loader, next to the agent's classes.
 */
final class AdviceTransformer implements AgentBuilder.Transformer {

    private final PointInstrumentation instrumentation;
    private final TargetReporter reporter;
    private final ClassFileLocator agentClasses;

    AdviceTransformer(PointInstrumentation instrumentation, TargetReporter reporter) {
        this.instrumentation = instrumentation;
        this.reporter = reporter;
        this.agentClasses = ClassFileLocator.ForClassLoader.of(AdviceTransformer.class.getClassLoader());
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type,
                                            ClassLoader loader, JavaModule module, ProtectionDomain domain) {
        String why = misfit(type);
        if (why != null) {
            reporter.unsupported(instrumentation, loader, why);
            return builder;
        }
        reporter.matched(instrumentation, loader);
        ClassFileLocator classes = new ClassFileLocator.Compound(agentClasses, ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = TypePool.Default.of(classes);
        for (Rewrite r : instrumentation.rewrites()) {
            Advice advice = Advice.to(pool.describe(r.adviceClass().getName()).resolve(), classes);
            builder = builder.visit(advice.on(r.methods()));
        }
        return builder;
    }

    /** Why {@code type} cannot be rewritten, or null when every rewrite finds its one method. */
    private String misfit(TypeDescription type) {
        for (Rewrite r : instrumentation.rewrites()) {
            MethodList<MethodDescription.InDefinedShape> matching = type.getDeclaredMethods().filter(r.methods());
            if (matching.size() != 1 || matching.getOnly().isAbstract() || matching.getOnly().isNative()) {
                return "no method " + r.shape() + " with a body";
            }
        }
        return instrumentation.unsupportedShape(type);
    }
}
