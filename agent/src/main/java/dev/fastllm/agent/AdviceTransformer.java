package dev.fastllm.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

import java.security.ProtectionDomain;

/**
 * Rewrites one point's target class when it loads: checks the shape first (exactly one method matching the
 * point's matcher, with a body), then inlines the point's advice. A class of another shape is reported and
 * left alone. The advice is read once from the agent's own class loader.
 */
final class AdviceTransformer implements AgentBuilder.Transformer {

    private final PointInstrumentation instrumentation;
    private final TargetReporter reporter;
    private final Advice advice;

    AdviceTransformer(PointInstrumentation instrumentation, TargetReporter reporter) {
        this.instrumentation = instrumentation;
        this.reporter = reporter;
        this.advice = Advice.to(instrumentation.adviceClass(),
                ClassFileLocator.ForClassLoader.of(instrumentation.adviceClass().getClassLoader()));
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type,
                                            ClassLoader loader, JavaModule module, ProtectionDomain domain) {
        MethodList<MethodDescription.InDefinedShape> matching = type.getDeclaredMethods()
                .filter(instrumentation.methods());
        if (matching.size() != 1 || matching.getOnly().isAbstract() || matching.getOnly().isNative()) {
            reporter.unsupported(instrumentation, loader, "no method " + instrumentation.shape() + " with a body");
            return builder;
        }
        reporter.matched(instrumentation, loader);
        return builder.visit(advice.on(instrumentation.methods()));
    }
}
