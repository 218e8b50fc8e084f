package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.RateLimitAnswer;
import dev.fastllm.core.limits.LimitDecision;
import dev.fastllm.core.limits.LockFreeKeyRateLimiter;
import dev.fastllm.core.limits.RefusedBy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;

/**
 * The twin of one demo-gateway {@code KeyRateLimiter} instance: accel-core's {@link LockFreeKeyRateLimiter}, a
 * striped lock that serialises the moment a key with no live state anywhere moves to the twin, a count per
 * stripe of the calls running the original's body meanwhile, and a reader of the original's own window for a
 * key (its private {@code Window}, read under that window's monitor, as the original's own methods do). Holds
 * no reference to the original instance.
 *
 * <p>The lock and the count are a Dekker pair: a move takes the lock, then reads the count, and moves only if
 * no original body of its stripe is running; a call bound for the original body adds to the count, then waits
 * while the lock is held, then looks at the twin. Each sees the other's write, so a key can never get an owner
 * on each side, and no lock is held while the original's body runs (an exit that never comes, the body
 * having thrown, leaves its stripe's count raised: keys of that stripe then stay with the original when idle).
 *
 * <p>A key's state is live on a side when its window there is not over or it holds a parallel slot there;
 * see docs/ARCHITECTURE.md ("Point gateway.rate-limiter: who owns a key") for the rule this serves.
 */
final class LimiterTwin {

    static final int STRIPES = 1024;
    private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(int[].class);

    final LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
    private final int[] stripes = new int[STRIPES];
    /** Calls running the original's body, by stripe. */
    private final int[] inOriginal = new int[STRIPES];
    /** The target's {@code RateLimitDecision.Limit} constants, by accel-core's {@link RefusedBy} ordinal. */
    private final Object[] limits;
    private final VarHandle anchored;
    private final VarHandle start;
    private final VarHandle inFlight;
    private final VarHandle retired;

    /** @param limiterClass the original's class, whose nested {@code Window} and result types are read */
    LimiterTwin(Class<?> limiterClass) {
        try {
            ClassLoader loader = limiterClass.getClassLoader();
            Class<?> window = Class.forName(limiterClass.getName() + "$Window", false, loader);
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(window, MethodHandles.lookup());
            anchored = l.findVarHandle(window, "anchored", boolean.class);
            start = l.findVarHandle(window, "start", long.class);
            inFlight = l.findVarHandle(window, "inFlight", int.class);
            retired = l.findVarHandle(window, "retired", boolean.class);
            Class<?> limit = Class.forName(limiterClass.getPackageName() + ".RateLimitDecision$Limit", false, loader);
            Object[] constants = limit.getEnumConstants();
            limits = new Object[RefusedBy.values().length];
            for (RefusedBy r : RefusedBy.values()) {
                for (Object c : constants) {
                    if (((Enum<?>) c).name().equals(r.name())) {
                        limits[r.ordinal()] = c;
                    }
                }
                if (limits[r.ordinal()] == null) {
                    throw new IllegalStateException("no RateLimitDecision.Limit." + r.name());
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("KeyRateLimiter of an unsupported shape", e);
        }
    }

    /** The twin's answer when it holds live state for the key, written into {@code a}; false otherwise. */
    boolean acquireIfLive(String key, long rpm, long tpm, int maxParallel, long reserved, long now, RateLimitAnswer a) {
        return answer(limiter.tryAcquireIfLive(key, rpm, tpm, maxParallel, reserved, now, scratch(a)), a);
    }

    /** Admits or refuses on the twin, whatever its state for the key (call under the key's lock). */
    void acquire(String key, long rpm, long tpm, int maxParallel, long reserved, long now, RateLimitAnswer a) {
        answer(limiter.tryAcquire(key, rpm, tpm, maxParallel, reserved, now, scratch(a)), a);
    }

    boolean peekIfLive(String key, long rpm, long tpm, int maxParallel, long now, RateLimitAnswer a) {
        return answer(limiter.peekIfLive(key, rpm, tpm, maxParallel, now, scratch(a)), a);
    }

    void peek(String key, long rpm, long tpm, int maxParallel, long now, RateLimitAnswer a) {
        answer(limiter.peek(key, rpm, tpm, maxParallel, now, scratch(a)), a);
    }

    private static LimitDecision scratch(RateLimitAnswer a) {
        Object s = a.scratch;
        if (s instanceof LimitDecision d) {
            return d;
        }
        LimitDecision d = new LimitDecision(); // once per thread
        a.scratch = d;
        return d;
    }

    private boolean answer(LimitDecision d, RateLimitAnswer a) {
        if (d == null) {
            return false;
        }
        a.answered = true;
        a.allowed = d.allowed();
        a.refusedBy = limits[d.refusedBy().ordinal()];
        a.retryAfterMillis = d.retryAfterMillis();
        a.remainingRequests = d.remainingRequests();
        a.remainingTokens = d.remainingTokens();
        return true;
    }

    /**
     * True when the original holds live state for the key: a window not yet over, or a slot held. Read under
     * the window's own monitor; a retired window (being evicted) holds nothing.
     */
    boolean originalLive(Object windows, String key, long now) {
        Object w = ((Map<?, ?>) windows).get(key);
        if (w == null) {
            return false;
        }
        synchronized (w) {
            if ((boolean) retired.get(w)) {
                return false;
            }
            return (int) inFlight.get(w) > 0
                    || ((boolean) anchored.get(w) && now - (long) start.get(w) < LockFreeKeyRateLimiter.WINDOW_MILLIS);
        }
    }

    /** Takes the lock of the key's stripe; returns the stripe to pass to {@link #unlock}. */
    int lock(String key) {
        int s = stripe(key);
        int spins = 0;
        while (!STRIPE.compareAndSet(stripes, s, 0, 1)) {
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return s;
    }

    void unlock(int stripe) {
        STRIPE.setRelease(stripes, stripe, 0);
    }

    /**
     * Counts a call that will run the original's body for a key of {@code stripe} unless the twin turns out
     * to hold the key (look after this returns), then waits while a move of that stripe is under way.
     */
    void enterOriginal(int stripe) {
        STRIPE.getAndAdd(inOriginal, stripe, 1);
        for (int spins = 0; (int) STRIPE.getVolatile(stripes, stripe) != 0; spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Counts a call that will run the original's body, by the thread holding the stripe's lock. */
    void enterOriginalLocked(int stripe) {
        STRIPE.getAndAdd(inOriginal, stripe, 1);
    }

    /** The original's body of a call counted by {@link #enterOriginal} or {@link #enterOriginalLocked} returned. */
    void leaveOriginal(int stripe) {
        STRIPE.getAndAdd(inOriginal, stripe, -1);
    }

    /** True while a call of {@code stripe} runs the original's body (read holding the stripe's lock). */
    boolean originalRunning(int stripe) {
        return (int) STRIPE.getVolatile(inOriginal, stripe) != 0;
    }

    static int stripe(String key) {
        int h = key.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }
}
