package dev.fastllm.agent;

import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The rewrites the build prepared ({@link PrepareRewrites}, run before these tests): one for each target that
 * ships with the agent (the demo gateway's four, JTokkit 1.1.0's two), each for exactly the class file on this
 * class path, each equal to what {@link PointTransformer} writes for it live now; bytes that differ by one
 * byte, or a class with none prepared, get nothing.
 */
class PreparedRewritesTest {

    @Test
    void everyTargetShippedWithTheAgentHasItsLiveRewritePrepared() throws IOException {
        ClassLoader classes = PreparedRewritesTest.class.getClassLoader();
        List<String> prepared = new ArrayList<>();
        for (PointInstrumentation pi : Instrumentations.all()) {
            String name = pi.targetClass();
            byte[] original = PrepareRewrites.classFile(classes, name);
            if (!PrepareRewrites.shipsWithTheAgent(name)) {
                assertNull(stored(name), name + " is not ours to ship rewritten");
                continue;
            }
            assertNotNull(original, name);
            byte[] live = PointTransformer.rewrite(pi, classes, original, new String[1], new boolean[1]);
            assertNotNull(live, name);
            assertArrayEquals(live, PreparedRewrites.lookUp(name, original), name);
            byte[] changed = original.clone();
            changed[changed.length - 1] ^= 1;
            assertNull(PreparedRewrites.lookUp(name, changed), "other bytes are rewritten live: " + name);
            prepared.add(name);
        }
        assertEquals(List.of("dev.fastllm.gateway.tokens.PromptTokenCounter", "dev.fastllm.gateway.limits.KeyRateLimiter",
                "dev.fastllm.gateway.routing.Router", "dev.fastllm.gateway.upstream.ConnectionPool",
                "com.knuddels.jtokkit.GptBytePairEncoding", "com.knuddels.jtokkit.EncodingFactory"), prepared);
        assertNull(PreparedRewrites.lookUp("java.lang.String", new byte[] {1, 2, 3}));
    }

    /** The stored file of a class, or null when none is stored. */
    private static byte[] stored(String name) throws IOException {
        try (InputStream in = PreparedRewritesTest.class.getClassLoader()
                .getResourceAsStream(PreparedRewrites.DIRECTORY + name + ".bin")) {
            if (in == null) {
                return null;
            }
            return new DataInputStream(in).readAllBytes();
        }
    }
}
