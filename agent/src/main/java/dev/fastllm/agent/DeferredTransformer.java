package dev.fastllm.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets {@code premain} return before Byte Buddy is ready. Registered at once, it answers "not ours" for every
 * class but the targets (a name lookup); the agent builder's transformer is made on a daemon thread while the
 * application starts, and a target class that loads before it is ready waits for it. Making it is most of the
 * agent's start-up work (about 1 100 Byte Buddy classes defined, and Byte Buddy generating its own transformer
 * class), which now overlaps the application's start instead of preceding it.
 */
final class DeferredTransformer implements ClassFileTransformer {

    /** How long a loading target class waits for the transformer before loading unchanged. */
    static final long WAIT_SECONDS = 60;

    private final Set<String> internalNames = new HashSet<>();
    private final CountDownLatch made = new CountDownLatch(1);
    private volatile ClassFileTransformer transformer;

    DeferredTransformer(List<PointInstrumentation> instrumentations) {
        for (PointInstrumentation pi : instrumentations) {
            internalNames.add(pi.targetClass().replace('.', '/'));
        }
    }

    /** Called once by the thread that made the transformer; null when making it failed. */
    void ready(ClassFileTransformer made) {
        transformer = made;
        this.made.countDown();
    }

    private ClassFileTransformer await() {
        try {
            made.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return transformer;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                            byte[] classfile) throws IllegalClassFormatException {
        if (className == null || !internalNames.contains(className)) {
            return null;
        }
        ClassFileTransformer t = await();
        return t == null ? null : t.transform(loader, className, redefined, domain, classfile);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] classfile) throws IllegalClassFormatException {
        if (className == null || !internalNames.contains(className)) {
            return null;
        }
        ClassFileTransformer t = await();
        return t == null ? null : t.transform(module, loader, className, redefined, domain, classfile);
    }

    /** Makes the agent builder's transformer on a daemon thread and hands it over. */
    static final class Maker extends Thread {
        private final DeferredTransformer deferred;
        private final List<PointInstrumentation> instrumentations;
        private final TargetReporter reporter;

        Maker(DeferredTransformer deferred, List<PointInstrumentation> instrumentations, TargetReporter reporter) {
            super("fast-llm-init");
            setDaemon(true);
            this.deferred = deferred;
            this.instrumentations = instrumentations;
            this.reporter = reporter;
        }

        @Override
        public void run() {
            ClassFileTransformer made = null;
            try {
                made = AgentInstaller.agentBuilder(instrumentations, reporter, List.of()).makeRaw();
            } catch (Throwable t) {
                reporter.info("WARNING instrumentation could not start; every target loads unchanged: " + t);
            } finally {
                deferred.ready(made);
            }
        }
    }
}
