package dev.fastllm.agent.twin;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.function.Function;

/**
 * The fast twin of each instance of a stateful target (a limiter, a pool, a router): a weak identity map from
 * target instance to twin, read on every rewritten call without a lock and without allocating.
 *
 * <p>Why not a field added to the target class: a class already loaded cannot gain a field when the agent is
 * attached later (retransformation forbids schema changes), and one mechanism for both start modes is
 * simpler to prove. Why not a {@code WeakHashMap} or a Caffeine weak-keys cache: the first needs a lock, the
 * second allocates a lookup key per read.
 *
 * <p>Layout: open addressing with linear probing over an array of {@link Entry} (a {@link WeakReference} to
 * the target carrying the twin), at most half full, indexed by the target's identity hash. A reader loads
 * the current array once (acquire) and probes it; a cleared entry (its target collected) is skipped. Writers
 * take this object's monitor, and a write that would pass half full first rebuilds the array without cleared
 * entries and publishes it with a release store. An entry is never removed from an array once published, so
 * a reader of an older array still finds every twin it held; a twin registered concurrently with a read may
 * not be seen by that read (null: the caller declines, or registers through {@link #computeIfAbsent}, which
 * rechecks under the monitor).
 *
 * <p>A twin must not refer to its target, or the target would never be collected.
 */
public final class TwinTable<T> {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Entry[].class);
    private static final int MIN_CAPACITY = 16;

    /** A target held weakly, with its twin. */
    static final class Entry<T> extends WeakReference<Object> {
        final int hash;
        final T twin;

        Entry(Object target, int hash, T twin, ReferenceQueue<Object> queue) {
            super(target, queue);
            this.hash = hash;
            this.twin = twin;
        }
    }

    private final ReferenceQueue<Object> cleared = new ReferenceQueue<>();
    private volatile Entry<T>[] slots;
    /** Set, once and for good, before the first twin is published. */
    private volatile boolean registered;
    /** Entries in {@link #slots}, cleared ones included; guarded by this. */
    private int used;
    /** Entries known to be cleared since the last rebuild; guarded by this. */
    private int dead;

    public TwinTable() {
        this.slots = newArray(MIN_CAPACITY);
    }

    /** The twin of {@code target}, or null. No lock, no allocation. */
    public T get(Object target) {
        Entry<T>[] t = slots;
        int mask = t.length - 1;
        int h = spread(System.identityHashCode(target));
        for (int i = h & mask; ; i = (i + 1) & mask) {
            @SuppressWarnings("unchecked")
            Entry<T> e = (Entry<T>) SLOTS.getAcquire(t, i);
            if (e == null) {
                return null;
            }
            if (e.hash == h && e.get() == target) {
                return e.twin;
            }
        }
    }

    /** The twin of {@code target}, created by {@code factory} under this table's monitor if it has none. */
    public T computeIfAbsent(Object target, Function<Object, ? extends T> factory) {
        T known = get(target);
        if (known != null) {
            return known;
        }
        synchronized (this) {
            known = get(target);
            if (known != null) {
                return known;
            }
            T twin = factory.apply(target);
            if (twin == null) {
                throw new NullPointerException("twin factory returned null");
            }
            registered = true;
            insert(target, twin);
            return twin;
        }
    }

    /**
     * True once any twin has been registered, even if its target has been collected since; false means no
     * target has a twin, so a caller may skip {@link #get}. One volatile read. A twin registered concurrently
     * may not be seen, as with {@link #get}.
     */
    public boolean everRegistered() {
        return registered;
    }

    /** Live entries (targets not yet collected); for tests and metrics, not for the hot path. */
    public synchronized int size() {
        int n = 0;
        for (Entry<T> e : slots) {
            if (e != null && e.get() != null) {
                n++;
            }
        }
        return n;
    }

    /** Array slots currently allocated; for memory reports. */
    public synchronized int capacity() {
        return slots.length;
    }

    private void insert(Object target, T twin) {
        while (cleared.poll() != null) {
            dead++;
        }
        Entry<T>[] t = slots;
        if ((used + 1) * 2 > t.length) {
            t = rebuild(t);
        }
        int h = spread(System.identityHashCode(target));
        int mask = t.length - 1;
        int i = h & mask;
        while (t[i] != null) {
            i = (i + 1) & mask;
        }
        SLOTS.setRelease(t, i, new Entry<>(target, h, twin, cleared));
        used++;
    }

    /** A new array holding the live entries, sized so that they fill at most a quarter of it. */
    private Entry<T>[] rebuild(Entry<T>[] old) {
        int live = used - dead;
        int capacity = MIN_CAPACITY;
        while (capacity < (live + 1) * 4) {
            capacity <<= 1;
        }
        Entry<T>[] fresh = newArray(capacity);
        int mask = capacity - 1;
        int n = 0;
        for (Entry<T> e : old) {
            if (e == null || e.get() == null) {
                continue;
            }
            int i = e.hash & mask;
            while (fresh[i] != null) {
                i = (i + 1) & mask;
            }
            fresh[i] = e;
            n++;
        }
        while (cleared.poll() != null) {
            // entries dropped by this rebuild
        }
        used = n;
        dead = 0;
        slots = fresh;
        return fresh;
    }

    /** Identity hashes are well spread already in HotSpot; mix anyway so that probing stays short. */
    private static int spread(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        return h ^ (h >>> 13);
    }

    @SuppressWarnings("unchecked")
    private static <T> Entry<T>[] newArray(int capacity) {
        return (Entry<T>[]) new Entry<?>[capacity];
    }
}
