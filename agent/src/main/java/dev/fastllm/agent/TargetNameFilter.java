package dev.fastllm.agent;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lets only the target classes reach Byte Buddy: every class the JVM loads passes through an agent's
 * transformer, and running Byte Buddy's matching machinery (cold, interpreted code at start-up) for each of
 * an application's thousands of classes doubled the demo gateway's start-up time on a loaded machine. A
 * name lookup in a small set answers "not ours" for all of them.
 */
final class TargetNameFilter extends ResettableClassFileTransformer.WithDelegation {

    private final Set<String> internalNames;

    private TargetNameFilter(ResettableClassFileTransformer delegate, Set<String> internalNames) {
        super(delegate);
        this.internalNames = internalNames;
    }

    /** The decorator that wraps the agent builder's transformer. */
    static AgentBuilder.TransformerDecorator forTargets(List<PointInstrumentation> instrumentations) {
        Set<String> names = new HashSet<>();
        for (PointInstrumentation pi : instrumentations) {
            names.add(pi.targetClass().replace('.', '/'));
        }
        return new Decorator(names);
    }

    private static final class Decorator implements AgentBuilder.TransformerDecorator {
        private final Set<String> names;

        Decorator(Set<String> names) {
            this.names = names;
        }

        @Override
        public ResettableClassFileTransformer decorate(ResettableClassFileTransformer transformer) {
            return new TargetNameFilter(transformer, names);
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classfile) throws IllegalClassFormatException {
        return className != null && internalNames.contains(className)
                ? classFileTransformer.transform(loader, className, redefined, domain, classfile)
                : null;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] classfile) throws IllegalClassFormatException {
        return className != null && internalNames.contains(className)
                ? classFileTransformer.transform(module, loader, className, redefined, domain, classfile)
                : null;
    }
}
