package dev.fastllm.agent;

import java.io.InputStream;
import java.util.List;

/**
 * Prepares the rewriting while the application starts, so the first target class to load does not pay for it:
 * on a daemon thread, rewrites (and throws away) each point's target class file that the application class
 * path holds, read as a resource, never loaded as a class. That defines the few hundred Byte Buddy and ASM
 * classes the rewriting uses and runs its code once, in parallel with the application's own start instead of in
 * the middle of it. Nothing is reported and nothing is kept; a target that is not on the class path (a web-app or
 * fat-jar loader) is simply rewritten, cold, when it loads.
 */
final class Warmup extends Thread {

    private final PointTransformer transformer;
    private final List<PointInstrumentation> instrumentations;

    Warmup(PointTransformer transformer, List<PointInstrumentation> instrumentations) {
        super("fast-llm-warmup");
        setDaemon(true);
        this.transformer = transformer;
        this.instrumentations = instrumentations;
    }

    @Override
    public void run() {
        ClassLoader app = ClassLoader.getSystemClassLoader();
        for (PointInstrumentation pi : instrumentations) {
            try (InputStream in = app.getResourceAsStream(pi.targetClass().replace('.', '/') + ".class")) {
                if (in != null) {
                    transformer.rewrite(pi, app, in.readAllBytes(), false);
                }
            } catch (Throwable ignored) {
                // the class is rewritten when it loads, and any failure is reported then
            }
        }
    }
}
