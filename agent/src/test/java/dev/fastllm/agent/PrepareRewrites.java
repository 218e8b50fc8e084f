package dev.fastllm.agent;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the agent's {@link PreparedRewrites} at build time (exec-maven-plugin, {@code process-test-classes}, into
 * the agent's classes before it is packaged): for each point whose target ships with this build (the demo
 * gateway's classes and JTokkit's, read from this class path), the target's class file and
 * {@link PointTransformer#rewrite} of it. A target whose rewrite asked ASM for a common super class is left to
 * the live path. Prints a line only for a target it leaves to the live path.
 */
public final class PrepareRewrites {

    /** The targets whose class files this build has and may carry rewritten: ours and the bundled JTokkit's. */
    static boolean shipsWithTheAgent(String targetClass) {
        return targetClass.startsWith("dev.fastllm.gateway.") || targetClass.startsWith("com.knuddels.jtokkit.");
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        try (var old = Files.list(out)) { // a target left to the live path keeps no rewrite of an earlier build
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        ClassLoader classes = PrepareRewrites.class.getClassLoader();
        for (PointInstrumentation pi : Instrumentations.all()) {
            String name = pi.targetClass();
            if (!shipsWithTheAgent(name)) {
                continue;
            }
            byte[] original = classFile(classes, name);
            if (original == null) {
                System.out.println("[prepare-rewrites] " + name + ": not on the class path");
                continue;
            }
            String[] why = new String[1];
            boolean[] hierarchyAsked = new boolean[1];
            byte[] rewritten = PointTransformer.rewrite(pi, classes, original, why, hierarchyAsked);
            if (rewritten == null || hierarchyAsked[0]) {
                System.out.println("[prepare-rewrites] " + name + ": left to the live path ("
                        + (rewritten == null ? why[0] : "frames need the class hierarchy") + ")");
                continue;
            }
            write(out.resolve(name + ".bin"), original, rewritten);
        }
    }

    static byte[] classFile(ClassLoader classes, String name) throws IOException {
        try (InputStream in = classes.getResourceAsStream(name.replace('.', '/') + ".class")) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static void write(Path file, byte[] original, byte[] rewritten) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file); DataOutputStream d = new DataOutputStream(raw)) {
            d.writeInt(original.length);
            d.write(original);
            d.writeInt(rewritten.length);
            d.write(rewritten);
        }
    }
}
