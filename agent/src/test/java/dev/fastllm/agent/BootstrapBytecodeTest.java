package dev.fastllm.agent;

import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.fallback.Point;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ConstantDynamic;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap bridges and the launcher run before, or inside, the application's own class loading: they must
 * contain no {@code invokedynamic} (lambdas, method references, string concatenation with {@code +}) and no
 * dynamic constants, and may refer to nothing but JDK types and each other.
 */
class BootstrapBytecodeTest {

    static final Path CLASSES = Path.of("target", "classes", "dev", "fastllm", "agent");

    @Test
    void bridgesAndLauncherHaveNoInvokedynamicAndOnlyJdkDependencies() throws IOException {
        List<String> problems = new ArrayList<>();
        int scanned = 0;
        for (String pkg : new String[] {"bootstrap", "launch"}) {
            try (Stream<Path> files = Files.list(CLASSES.resolve(pkg))) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    scan(f, problems);
                    scanned++;
                }
            }
        }
        assertTrue(scanned >= 7, "scanned " + scanned);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theScanFindsALambda() throws IOException {
        List<String> problems = new ArrayList<>();
        scan(Path.of("target", "test-classes", "dev", "fastllm", "agent", "BootstrapBytecodeTest.class"), problems);
        assertFalse(problems.isEmpty(), "this test class uses lambdas and method references; the scan must see them");
    }

    private static void scan(Path file, List<String> problems) throws IOException {
        String name = file.getFileName().toString();
        ClassReader reader = new ClassReader(Files.readAllBytes(file));
        for (int i = 1; i < reader.getItemCount(); i++) {
            int offset = reader.getItem(i);
            if (offset > 0) {
                int tag = reader.readByte(offset - 1);
                if (tag == 18 || tag == 17) { // CONSTANT_InvokeDynamic, CONSTANT_Dynamic
                    problems.add(name + ": constant pool entry " + i + " is a dynamic constant (tag " + tag + ")");
                }
            }
        }
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String method, String desc, String sig, String[] ex) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitInvokeDynamicInsn(String n, String d, Handle bsm, Object... args) {
                        problems.add(name + "." + method + ": invokedynamic " + n);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        if (value instanceof ConstantDynamic) {
                            problems.add(name + "." + method + ": dynamic constant");
                        }
                    }

                    @Override
                    public void visitMethodInsn(int op, String owner, String n, String d, boolean itf) {
                        if (!owner.startsWith("java/") && !owner.startsWith("com/sun/tools/attach/")
                                && !owner.startsWith("dev/fastllm/agent/bootstrap/")
                                && !owner.startsWith("dev/fastllm/agent/launch/") && !owner.startsWith("[")) {
                            problems.add(name + "." + method + ": calls " + owner + "." + n);
                        }
                    }
                };
            }
        }, 0);
    }

    @Test
    void callStatePacksTheDecisionAndTheAnswer() {
        assertEquals(Point.TIMED, CallState.TIMED);
        int d = Point.FAST | Point.TIMED | Point.TRIAL;
        long a = CallState.answered(d, 123_456);
        assertTrue(CallState.isAnswered(a));
        assertEquals(d, CallState.decision(a));
        assertEquals(123_456, CallState.answer(a));
        long s = CallState.shadow(Point.SHADOW, 0);
        assertTrue(CallState.hasShadowAnswer(s));
        assertFalse(CallState.isAnswered(s));
        assertEquals(0, CallState.answer(s));
        assertEquals(Point.SHADOW, CallState.decision(s));
        assertEquals(0L, CallState.original(Point.ORIGINAL), "untimed original: nothing to do after the body");
        assertEquals(Point.ORIGINAL | Point.TIMED, CallState.decision(CallState.original(Point.ORIGINAL | Point.TIMED)));
    }
}
