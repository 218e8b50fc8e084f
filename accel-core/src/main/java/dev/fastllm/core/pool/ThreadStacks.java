package dev.fastllm.core.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * The {@link ThreadStack}s of one pool, one per thread, found by the thread's id in a small open-addressing
 * array: a field read, a multiply and one array load where a {@code ThreadLocal} walks the thread's own map
 * and dereferences a weak reference on every call (a quarter of the pool's samples at 8 threads).
 *
 * <p>A stack is only an affinity hint (every idle entry is also reachable through the pool's entry table),
 * so this array may refuse: a thread that finds every slot within {@value #PROBES} of its id taken by a live
 * thread gets none and uses the shared path, correct and a little slower. The slot of a thread that has
 * ended is taken over by the next thread that lands there (the stack keeps its thread only weakly); what
 * its stack held stays reachable from the entry table. Thread ids are never reused by the JVM, so a stack
 * is never mistaken for another thread's.
 */
final class ThreadStacks {
    /** Slots looked at from a thread's home slot. */
    static final int PROBES = 8;

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(ThreadStack[].class);

    private final ThreadStack[] slots;
    private final int shift;
    private final int stackCapacity;

    /**
     * @param slotBits      log2 of the number of slots
     * @param stackCapacity entries a thread's stack holds before it drops stale or old ones
     */
    ThreadStacks(int slotBits, int stackCapacity) {
        this.slots = new ThreadStack[1 << slotBits];
        this.shift = 64 - slotBits;
        this.stackCapacity = stackCapacity;
    }

    /** The calling thread's stack, made on its first call; null when no slot near its id can be had. */
    ThreadStack get() {
        Thread t = Thread.currentThread();
        long id = t.getId();
        int mask = slots.length - 1;
        int home = (int) ((id * 0x9E3779B97F4A7C15L) >>> shift);
        for (int n = 0; n < PROBES; n++) {
            // a plain read: a stack is published by compare-and-set and its owner id is final, so a stale
            // read can only miss (and the slow path looks again), never return another thread's stack
            ThreadStack s = slots[(home + n) & mask];
            if (s == null) {
                break;
            }
            if (s.ownerId == id) {
                return s;
            }
        }
        return claim(t, id, home);
    }

    private ThreadStack claim(Thread t, long id, int home) {
        int mask = slots.length - 1;
        for (int n = 0; n < PROBES; n++) {
            int i = (home + n) & mask;
            ThreadStack s = (ThreadStack) SLOTS.getVolatile(slots, i);
            if (s != null && s.ownerId == id) {
                return s;
            }
            if (s == null || s.ownerEnded()) {
                ThreadStack mine = new ThreadStack(stackCapacity, id, new WeakReference<>(t));
                if (SLOTS.compareAndSet(slots, i, s, mine)) {
                    return mine;
                }
                n--; // the slot changed under us: look at it again
            }
        }
        return null;
    }

    /** Slots, for tests. */
    int slotCount() {
        return slots.length;
    }
}
