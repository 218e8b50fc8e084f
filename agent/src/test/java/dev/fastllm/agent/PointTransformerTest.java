package dev.fastllm.agent;

import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PointTransformer} writes, for every point's real target class (the demo gateway's, JTokkit 1.0.0's and
 * 1.1.0's, LangChain4j 1.0.0's and 1.19.0's), the very bytes Byte Buddy's {@code AgentBuilder} writes for the same
 * advice (compared as ASM writes both from scratch): leaving the agent builder out changed what is loaded at
 * start-up, not what is rewritten. Also: a class
 * of another shape comes back unchanged and reported, and a failure is reported once and leaves the class alone.
 */
class PointTransformerTest {

    private static final Path APPS = Path.of(System.getProperty("test-apps.dir"));

    @Test
    void everyTargetIsRewrittenToTheBytesTheAgentBuilderWrites() throws Exception {
        List<ClassLoader> libraries = List.of(PointTransformerTest.class.getClassLoader(),
                jars("jtokkit-1.0.0"), jars("jtokkit-1.1.0"),
                jars("langchain4j-1.0.0", "langchain4j-core-1.0.0", "langchain4j-open-ai-1.0.0", "jtokkit-1.1.0"),
                jars("langchain4j-1.19.0", "langchain4j-core-1.19.0", "langchain4j-open-ai-1.19.0", "jtokkit-1.1.0"));
        int compared = 0;
        for (PointInstrumentation pi : Instrumentations.all()) {
            for (ClassLoader loader : libraries) {
                byte[] original = classFile(loader, pi.targetClass());
                if (original == null) {
                    continue;
                }
                String internal = pi.targetClass().replace('.', '/');
                ByteArrayOutputStream told = new ByteArrayOutputStream();
                byte[] ours = new PointTransformer(List.of(pi), reporter(pi, told))
                        .transform(loader, internal, null, null, original);
                byte[] reference = agentBuilder(pi).transform(loader, internal, null, null, original);
                String where = pi.pointName() + " in " + name(loader) + ": " + told.toString(StandardCharsets.UTF_8);
                // a version of another shape is left alone by both (reported as such by ours)
                assertArrayEquals(canonical(reference == null ? original : reference),
                        canonical(ours == null ? original : ours), where);
                if (ours != null) {
                    assertTrue(!Arrays.equals(original, ours), where + " rewritten");
                    compared++;
                }
            }
        }
        // the 4 gateway targets, JTokkit's two in 1.1.0 (test class path and its own jar), LangChain4j's in both
        assertTrue(compared >= 4 + 2 * 2 + 2, "targets rewritten and compared: " + compared);
    }

    @Test
    void aClassOfAnotherShapeLoadsUnchangedAndIsReportedOnce() throws Exception {
        // a class of the test's own, offered under the target's name: none of the rewritten methods is there
        String told = offeredTwice(classFile(getClass().getClassLoader(), PointTransformerTest.class.getName()));
        assertTrue(told.contains("present but of an unsupported shape"), told);
    }

    @Test
    void aFailureLeavesTheClassUnchangedAndIsReportedOnce() {
        String told = offeredTwice(new byte[] {(byte) 0xCA, (byte) 0xFE, 1, 2, 3});
        assertTrue(told.contains("instrumentation of " + Instrumentations.all().get(0).targetClass() + " failed"),
                told);
    }

    /** Offers {@code classfile} twice as the first point's target: unchanged both times, one line told. */
    private static String offeredTwice(byte[] classfile) {
        PointInstrumentation pi = Instrumentations.all().get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PointTransformer transformer = new PointTransformer(List.of(pi), reporter(pi, out));
        String internal = pi.targetClass().replace('.', '/');
        assertNull(transformer.transform(null, internal, null, null, classfile));
        assertNull(transformer.transform(null, internal, null, null, classfile));
        String told = out.toString(StandardCharsets.UTF_8);
        assertEquals(1, told.lines().count(), told);
        return told;
    }

    @Test
    void otherClassesAreNotLookedAt() {
        PointInstrumentation pi = Instrumentations.all().get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PointTransformer transformer = new PointTransformer(List.of(pi), reporter(pi, out));
        assertNull(transformer.transform(null, "com/example/Other", null, null, new byte[] {1, 2, 3}));
        assertNull(transformer.transform(null, null, null, null, new byte[] {1, 2, 3}));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    /**
     * What the agent did before it dropped the agent builder: one builder, the same shape check, advice described
     * as it still is.
     */
    private static ClassFileTransformer agentBuilder(PointInstrumentation pi) {
        return new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges()
                .type(named(pi.targetClass()))
                .transform((builder, type, loader, module, domain) -> {
                    if (PointTransformer.misfit(pi, type) != null) {
                        return builder;
                    }
                    ClassFileLocator classes = new ClassFileLocator.Compound(
                            ClassFileLocator.ForClassLoader.of(PointTransformer.class.getClassLoader()),
                            ClassFileLocator.ForClassLoader.of(loader));
                    TypePool pool = TypePool.Default.of(classes);
                    for (Rewrite r : pi.rewrites()) {
                        builder = builder.visit(Advice.to(pool.describe(r.adviceClass().getName()).resolve(), classes)
                                .on(r.methods()));
                    }
                    return builder;
                })
                .makeRaw();
    }

    /**
     * The class file as ASM writes it from scratch: the same members, code, frames and attributes in ASM's own
     * order. (A method left untouched may be copied as it was or written again; that changes where its stack
     * map sits among its attributes, not what it is.)
     */
    private static byte[] canonical(byte[] classfile) {
        ClassWriter writer = new ClassWriter(0);
        new ClassReader(classfile).accept(writer, 0);
        return writer.toByteArray();
    }

    private static TargetReporter reporter(PointInstrumentation pi, ByteArrayOutputStream out) {
        Points points = new Points(Settings.load("", null, null, Warnings.NONE), null, Warnings.NONE);
        Point point = points.declare(pi.pointName(), pi.component(), pi.kind(), Flag.ON);
        TargetReporter reporter = new TargetReporter(new PrintStream(out, true, StandardCharsets.UTF_8));
        reporter.register(pi, point);
        return reporter;
    }

    private static ClassLoader jars(String... names) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String n : names) {
            urls.add(APPS.resolve(n + ".jar").toUri().toURL());
        }
        return new URLClassLoader(String.join("+", names), urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
    }

    private static String name(ClassLoader loader) {
        return loader.getName() == null ? "the test class path" : loader.getName();
    }

    private static byte[] classFile(ClassLoader loader, String className) throws Exception {
        URL url = loader instanceof URLClassLoader u ? u.findResource(className.replace('.', '/') + ".class")
                : loader.getResource(className.replace('.', '/') + ".class");
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        }
    }
}
