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
 * striped lock that serialises the moment a key with no live state anywhere gets an owner, and a reader of the
 * original's own window for a key (its private {@code Window}, read under that window's monitor, as the
 * original's own methods do). Holds no reference to the original instance.
 *
 * <p>A key's state is live on a side when its window there is not over or it holds a parallel slot there;
 * see docs/ARCHITECTURE.md ("Point gateway.rate-limiter: who owns a key") for the rule this serves.
 */
final class LimiterTwin {

    static final int STRIPES = 1024;
    private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(int[].class);

    final LockFreeKeyRateLimiter limiter = new LockFreeKeyRateLimiter();
    private final int[] stripes = new int[STRIPES];
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

    static int stripe(String key) {
        int h = key.hashCode() * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }
}
