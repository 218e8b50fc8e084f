package dev.fastllm.agent;

import dev.fastllm.fallback.FallbackRuntime;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Registers the points' MXBeans once the application's logging is up, never from {@code premain}: creating
 * the platform MBean server initialises {@code java.util.logging.LogManager}, and an application that
 * chooses its log manager in {@code main} ({@code java.util.logging.manager}) must get there first. A daemon
 * thread waits until the application itself loads {@code LogManager} (seen by a transformer that only
 * compares class names and never changes a class), or {@link #FALLBACK_DELAY_SECONDS} when it never does,
 * then {@link #SETTLE_SECONDS} more, then registers: the platform MBean server defines a few hundred classes
 * and introspects every platform MXBean, work that would otherwise compete with the application's own start
 * (an application loads its logging early). After an attach the application is up already: registration is
 * immediate.
 */
final class JmxRegistration extends Thread {

    /** Wait at most this long for the application to initialise its logging. */
    static final long FALLBACK_DELAY_SECONDS = 10;
    /** Then wait this long, so the registration runs after the application's start rather than during it. */
    static final long SETTLE_SECONDS = 5;

    private final FallbackRuntime runtime;
    private final Instrumentation inst;
    private final LogManagerWatch watch;

    private JmxRegistration(FallbackRuntime runtime, Instrumentation inst, LogManagerWatch watch) {
        super("fast-llm-jmx");
        setDaemon(true);
        this.runtime = runtime;
        this.inst = inst;
        this.watch = watch;
    }

    static void schedule(FallbackRuntime runtime, Instrumentation inst, boolean attached) {
        LogManagerWatch watch = null;
        if (!attached) {
            watch = new LogManagerWatch();
            inst.addTransformer(watch);
        }
        new JmxRegistration(runtime, inst, watch).start();
    }

    @Override
    public void run() {
        try {
            if (watch != null) {
                watch.loaded.await(FALLBACK_DELAY_SECONDS, TimeUnit.SECONDS);
                inst.removeTransformer(watch);
                Thread.sleep(TimeUnit.SECONDS.toMillis(SETTLE_SECONDS));
            }
            runtime.registerMBeans(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            System.err.println("[fast-llm] WARNING JMX disabled: " + t);
        }
    }

    /** Notices the loading of {@code java.util.logging.LogManager}; never transforms anything. */
    static final class LogManagerWatch implements ClassFileTransformer {
        final CountDownLatch loaded = new CountDownLatch(1);

        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined,
                                ProtectionDomain domain, byte[] classfile) {
            if (loader == null && "java/util/logging/LogManager".equals(className)) {
                loaded.countDown();
            }
            return null;
        }
    }
}
