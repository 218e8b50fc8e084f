package dev.fastllm.agent.jtokkit;

import dev.fastllm.agent.VocabularyPreload;
import dev.fastllm.agent.bootstrap.JTokkitRegistryBridge;
import dev.fastllm.agent.bootstrap.PendingCall;
import dev.fastllm.fallback.Point;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;

/**
 * The fast path of {@code jtokkit-registry.tokens}: each of JTokkit's built-in encodings is built once per JVM (per
 * JTokkit copy) and that instance is handed to every registry that asks for it, instead of each new registry
 * reading the rank file and building its tables again (40-100 ms and 10-30 MB per encoding). The first call of
 * each factory method runs the original and its answer is remembered; a race between two first calls keeps one
 * answer and both callers get it. A JTokkit encoding is immutable once built and is already shared by every
 * thread using its registry, so sharing it between registries changes no answer; what changes is identity: two
 * registries now hand out the same encoding object. Registries stay separate objects, so an encoding an
 * application registers in one is not seen by another.
 *
 * <p>Remembered encodings are kept per {@code EncodingFactory} class in a {@link ClassValue}, so a JTokkit copy
 * and its encodings can still be unloaded with their class loader. Shadow mode always hands out what the
 * original just built, remembers the first, and compares the remembered encoding's class with each later one.
 */
final class JTokkitRegistryFastPath implements JTokkitRegistryBridge.Handle {

    /** The factory methods, in the order of their slots. */
    static final String[] METHODS = {"cl100kBase", "o200kBase", "r50kBase", "p50kBase", "p50kEdit"};

    /** One per point (one per JVM in the agent). */
    private final ClassValue<AtomicReferenceArray<Object>> builtByFactory = new ClassValue<>() {
        @Override
        protected AtomicReferenceArray<Object> computeValue(Class<?> factory) {
            return new AtomicReferenceArray<>(METHODS.length);
        }
    };

    private final Point point;
    private final BooleanSupplier countsFast;

    /**
     * @param countsFast whether a point that would read accel-core's vocabulary of an encoding this factory
     *                   builds may run fast: then the vocabulary is read meanwhile ({@link VocabularyPreload})
     */
    JTokkitRegistryFastPath(Point point, BooleanSupplier countsFast) {
        this.point = point;
        this.countsFast = countsFast;
    }

    static int slot(String method) {
        for (int i = 0; i < METHODS.length; i++) {
            if (METHODS[i].equals(method)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public Object enter(Class<?> factory, String method) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return pending(d, -1, null, null);
        }
        boolean fast = Point.isFast(d);
        long t0 = fast ? point.startTime(d) : 0L;
        try {
            point.injectFault();
            int slot = slot(method);
            if (slot >= 0) {
                AtomicReferenceArray<Object> built = builtByFactory.get(factory);
                Object known = built.get(slot);
                if (fast && known != null) {
                    point.fastAnswered(d, t0);
                    return known;
                }
                if (fast) {
                    point.fastDeclined(d); // the first call builds it: the original answers, and is remembered
                    if (slot <= 1 && countsFast.getAsBoolean()) {
                        VocabularyPreload.start(slot == 0 ? "cl100k_base" : "o200k_base");
                    }
                    return new PendingCall(d, slot, point.startTime(d), null, built);
                }
                // shadow: compare with the remembered one, or remember this one for the next shadow call
                if (known != null) {
                    return pending(d, slot, known, null);
                }
                point.shadowDeclined(d);
                return pending(d, slot, null, built);
            }
            if (fast) {
                point.fastDeclined(d);
            } else {
                point.shadowDeclined(d);
            }
        } catch (Throwable t) {
            if (fast) {
                point.fastFailed(d, t);
            } else {
                point.shadowFailed(d, t);
            }
        }
        return pending(d, -1, null, null);
    }

    private PendingCall pending(int d, int slot, Object shadowAnswer, Object built) {
        if (shadowAnswer == null && built == null && !Point.isTimed(d)) {
            return null;
        }
        return new PendingCall(d, slot, point.startTime(d), shadowAnswer, built);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object exit(PendingCall call, Object built) {
        Object answer = built;
        try {
            if (call.context != null && built != null) {
                AtomicReferenceArray<Object> memo = (AtomicReferenceArray<Object>) call.context;
                memo.compareAndSet(call.method, null, built);
                answer = Point.isFast(call.decision) ? memo.get(call.method) : built;
            }
            if (call.shadowAnswer != null) {
                point.shadowCompared(call.decision, built != null && built.getClass() == call.shadowAnswer.getClass());
            }
            point.originalDone(call.decision, call.startNanos);
        } catch (Throwable ignored) {
            // bookkeeping never changes the original's answer
        }
        return answer;
    }
}
