package dev.fastllm.agent;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Rewrites made when the agent was built, for the target class files the build has (the demo gateway's, built
 * with it, and JTokkit 1.1.0's, which it bundles): {@code dev/fastllm/agent/prepared/<class name>.bin} holds
 * the original class file and what {@link PointTransformer} writes for it. A class whose bytes equal a stored
 * original, byte for byte, gets the stored rewrite without Byte Buddy: its advice machinery and type pool,
 * about 600 classes interpreted for 0.4 s in a fresh JVM, are never loaded for it. Any other bytes (another
 * version, a retransformation's reconstituted class file) are rewritten as they load. Only rewrites for which
 * ASM asked no common super class are stored, so a stored rewrite depends on nothing but the two class files
 * and the advice ({@code PrepareRewrites} in the agent's tests writes them; {@code PreparedRewritesTest}
 * checks them against a live rewrite).
 *
 * <p>File layout: the original's length and bytes, then the rewrite's length and bytes
 * ({@link java.io.DataOutputStream}).
 */
final class PreparedRewrites {

    static final String DIRECTORY = "dev/fastllm/agent/prepared/";

    private PreparedRewrites() {
    }

    /** The stored rewrite of {@code classfile}, or null: none stored for these exact bytes. Never throws. */
    static byte[] lookUp(String className, byte[] classfile) {
        ClassLoader own = PreparedRewrites.class.getClassLoader();
        String resource = DIRECTORY + className + ".bin";
        try (InputStream raw = own == null ? ClassLoader.getSystemResourceAsStream(resource)
                : own.getResourceAsStream(resource)) {
            if (raw == null) {
                return null;
            }
            DataInputStream in = new DataInputStream(raw);
            byte[] original = new byte[in.readInt()];
            in.readFully(original);
            if (!Arrays.equals(original, classfile)) {
                return null;
            }
            byte[] rewritten = new byte[in.readInt()];
            in.readFully(rewritten);
            return rewritten;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
