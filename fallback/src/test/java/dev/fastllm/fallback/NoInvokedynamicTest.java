package dev.fastllm.fallback;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * This module's classes may be loaded while the agent starts or inside a transformed method, so none of them
 * may need {@code invokedynamic} bootstrapping: no lambdas or method references in main code, and string
 * concatenation compiled to {@code StringBuilder} calls ({@code -XDstringConcat=inline} in this module's pom).
 * The scan reads every class file's constant pool for {@code CONSTANT_InvokeDynamic} and
 * {@code CONSTANT_Dynamic} entries, which every {@code invokedynamic} instruction and dynamic constant needs.
 */
class NoInvokedynamicTest {

    @Test
    void noMainClassNeedsInvokedynamic() throws Exception {
        Path classes = Paths.get(Point.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> files = classFiles(classes);
        assertTrue(files.size() >= 30, "scanned " + files.size() + " classes under " + classes);
        List<String> dynamic = new ArrayList<>();
        for (Path f : files) {
            if (hasDynamicConstant(f)) {
                dynamic.add(classes.relativize(f).toString());
            }
        }
        assertTrue(dynamic.isEmpty(), "classes needing invokedynamic: " + dynamic);
    }

    @Test
    void theScanSeesALambda() throws Exception {
        Path self = Paths.get(NoInvokedynamicTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dev/fastllm/fallback/DispatchTest.class");
        assertTrue(hasDynamicConstant(self), "DispatchTest uses lambdas; the scan must see them");
    }

    private static List<Path> classFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".class")).sorted().collect(Collectors.toList());
        }
    }

    /** True when the class file's constant pool holds an InvokeDynamic (18) or Dynamic (17) entry. */
    static boolean hasDynamicConstant(Path classFile) throws IOException {
        try (InputStream in = Files.newInputStream(classFile); DataInputStream d = new DataInputStream(in)) {
            if (d.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file: " + classFile);
            }
            d.readUnsignedShort(); // minor
            d.readUnsignedShort(); // major
            int count = d.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = d.readUnsignedByte();
                switch (tag) {
                    case 1: // Utf8
                        d.skipBytes(d.readUnsignedShort());
                        break;
                    case 7: case 8: case 16: case 19: case 20: // Class, String, MethodType, Module, Package
                        d.skipBytes(2);
                        break;
                    case 15: // MethodHandle
                        d.skipBytes(3);
                        break;
                    case 3: case 4: case 9: case 10: case 11: case 12: // Integer, Float, refs, NameAndType
                        d.skipBytes(4);
                        break;
                    case 5: case 6: // Long, Double: two slots
                        d.skipBytes(8);
                        i++;
                        break;
                    case 17: case 18: // Dynamic, InvokeDynamic
                        return true;
                    default:
                        throw new IOException("constant pool tag " + tag + " in " + classFile);
                }
            }
            return false;
        }
    }
}
