package dev.fastllm.agent;

import dev.fastllm.fallback.Point;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeInitializer;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.auxiliary.AuxiliaryType;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites the points' target classes as they load (or as an attach retransforms them): a name lookup answers
 * "not ours" for every other class, so the application's thousands of classes never reach Byte Buddy. For a
 * target it checks the shape first (each of the point's {@link Rewrite}s matches exactly one method with a
 * body, and {@link PointInstrumentation#unsupportedShape} has no objection), then inlines each rewrite's advice
 * in one pass of ASM over the class file. A class of another shape is reported and left alone: all of a point's
 * methods are rewritten or none, so a stateful target never has its state split between a rewritten method and
 * one that is not. Any failure is reported once and the class loads unchanged.
 *
 * <p>Only Byte Buddy's {@link Advice}, its type pool and ASM are used: its {@code AgentBuilder} (matching,
 * listeners, redefinition strategies, the dynamic-type builder) defined about twice as many classes at start-up
 * for the same bytes, which {@code PointTransformerTest} compares. Advice is described from its class file, never
 * loaded as a class by the agent: it names the target's own types (the result it builds, the arguments it
 * reads), which are resolved from the target's class loader, next to the agent's classes. The target itself is
 * described from the bytes being transformed.
 */
final class PointTransformer implements ClassFileTransformer {

    private final Map<String, PointInstrumentation> byInternalName = new HashMap<>();
    private final TargetReporter reporter;
    /** Points some class of whose target has been rewritten. */
    private final Set<String> rewritten = ConcurrentHashMap.newKeySet();
    /** Points some class of whose target loaded while the point was off, and was left as it was. */
    private final Set<String> deferred = ConcurrentHashMap.newKeySet();

    PointTransformer(List<PointInstrumentation> instrumentations, TargetReporter reporter) {
        for (PointInstrumentation pi : instrumentations) {
            byInternalName.put(pi.targetClass().replace('.', '/'), pi);
        }
        this.reporter = reporter;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classfile) {
        PointInstrumentation pi = className == null ? null : byInternalName.get(className);
        if (pi == null) {
            return null;
        }
        try {
            Point point = reporter.point(pi);
            if (point != null && point.isOff() && !rewritten.contains(pi.pointName())) {
                deferred.add(pi.pointName());
                reporter.leftWhileOff(pi, loader);
                return null;
            }
            byte[] prepared = PreparedRewrites.lookUp(pi.targetClass(), classfile);
            if (prepared != null) {
                applied(pi, loader);
                return prepared;
            }
            String[] why = new String[1];
            byte[] rewritten = rewrite(pi, loader, classfile, why, null);
            if (rewritten == null) {
                reporter.unsupported(pi, loader, why[0]);
                return null;
            }
            applied(pi, loader);
            return rewritten;
        } catch (Throwable t) {
            reporter.failed(pi, loader, t);
            return null;
        }
    }

    /**
     * Whether a class of this point's target loaded while the point was off and was left as it was. Once any class
     * of a point has been rewritten, every later one is (also while off), so that a retransformation never takes
     * a rewrite away from a class whose twin may hold state.
     */
    boolean deferred(PointInstrumentation pi) {
        return deferred.contains(pi.pointName());
    }

    private void applied(PointInstrumentation pi, ClassLoader loader) {
        rewritten.add(pi.pointName());
        reporter.applied(pi, loader);
        try {
            pi.applied();
        } catch (Throwable ignored) {
            // a head start only
        }
    }

    /**
     * The rewritten class file, or null (unchanged) with {@code why[0]} saying why the class is of a shape the
     * point does not support. Reports nothing. When {@code hierarchyAsked} is given, its element is set if ASM
     * asked for a common super class (the output then depends on other classes than the target and the advice).
     */
    static byte[] rewrite(PointInstrumentation pi, ClassLoader loader, byte[] classfile, String[] why,
                          boolean[] hierarchyAsked) {
        String name = pi.targetClass();
        // the target's own types from its loader first (the agent's loader may see another version of a library
        // in a test), then the advice from the agent's
        ClassFileLocator classes = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, classfile),
                ClassFileLocator.ForClassLoader.of(loader),
                ClassFileLocator.ForClassLoader.of(PointTransformer.class.getClassLoader()));
        TypePool pool = TypePool.Default.of(classes);
        TypeDescription type = pool.describe(name).resolve();
        why[0] = misfit(pi, type);
        if (why[0] != null) {
            return null;
        }
        AsmVisitorWrapper.Compound wrapper = new AsmVisitorWrapper.Compound(adviceOf(pi, pool, classes));
        int readerFlags = wrapper.mergeReader(0);
        int writerFlags = wrapper.mergeWriter(0);
        ClassReader reader = new ClassReader(classfile);
        ClassWriter writer = new PoolClassWriter(reader, writerFlags, pool, hierarchyAsked);
        ClassFileVersion version = ClassFileVersion.ofClassFile(classfile);
        Implementation.Context.ExtractableView context = Implementation.Context.Disabled.Factory.INSTANCE.make(type,
                new AuxiliaryType.NamingStrategy.Suffixing("fastllm"), TypeInitializer.None.INSTANCE, version,
                version, frameGeneration(version, writerFlags, readerFlags));
        reader.accept(wrapper.wrap(type, writer, context, pool, type.getDeclaredFields(), type.getDeclaredMethods(),
                writerFlags, readerFlags), readerFlags);
        return writer.toByteArray();
    }

    /** Stack map frames as the advice must write them: none for old class files or when ASM computes them. */
    private static Implementation.Context.FrameGeneration frameGeneration(ClassFileVersion version, int writerFlags,
                                                                         int readerFlags) {
        if ((writerFlags & ClassWriter.COMPUTE_FRAMES) != 0 || version.isLessThan(ClassFileVersion.JAVA_V6)) {
            return Implementation.Context.FrameGeneration.DISABLED;
        }
        return (readerFlags & ClassReader.EXPAND_FRAMES) != 0 ? Implementation.Context.FrameGeneration.EXPAND
                : Implementation.Context.FrameGeneration.GENERATE;
    }

    private static AsmVisitorWrapper[] adviceOf(PointInstrumentation pi, TypePool pool, ClassFileLocator classes) {
        List<Rewrite> rewrites = pi.rewrites();
        AsmVisitorWrapper[] wrappers = new AsmVisitorWrapper[rewrites.size()];
        for (int i = 0; i < wrappers.length; i++) {
            Rewrite r = rewrites.get(i);
            wrappers[i] = Advice.to(pool.describe(r.adviceClass().getName()).resolve(), classes).on(r.methods());
        }
        return wrappers;
    }

    /** Why {@code type} cannot be rewritten, or null when every rewrite finds its one method. */
    static String misfit(PointInstrumentation pi, TypeDescription type) {
        for (Rewrite r : pi.rewrites()) {
            MethodList<MethodDescription.InDefinedShape> matching = type.getDeclaredMethods().filter(r.methods());
            if (matching.size() != 1 || matching.getOnly().isAbstract() || matching.getOnly().isNative()) {
                return "no method " + r.shape() + " with a body";
            }
        }
        return pi.unsupportedShape(type);
    }

    /**
     * Computes a common super class, should ASM need one for a frame, from the type pool (the class files) rather
     * than by loading classes, which a transformer must not do.
     */
    private static final class PoolClassWriter extends ClassWriter {
        private final TypePool pool;
        private final boolean[] asked;

        PoolClassWriter(ClassReader reader, int flags, TypePool pool, boolean[] asked) {
            super(reader, flags);
            this.pool = pool;
            this.asked = asked;
        }

        @Override
        protected String getCommonSuperClass(String first, String second) {
            if (asked != null) {
                asked[0] = true;
            }
            TypeDescription a = pool.describe(first.replace('/', '.')).resolve();
            TypeDescription b = pool.describe(second.replace('/', '.')).resolve();
            if (a.isAssignableFrom(b)) {
                return first;
            }
            if (b.isAssignableFrom(a)) {
                return second;
            }
            if (a.isInterface() || b.isInterface()) {
                return "java/lang/Object";
            }
            do {
                a = a.getSuperClass().asErasure();
            } while (!a.isAssignableFrom(b));
            return a.getInternalName();
        }
    }
}
