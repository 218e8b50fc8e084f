package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.GatewayLimiterBridge;
import dev.fastllm.agent.bootstrap.RateLimitAnswer;
import dev.fastllm.agent.twin.TwinTable;
import dev.fastllm.fallback.Point;

/**
 * The fast path of {@code gateway.rate-limiter}: each {@code KeyRateLimiter} instance gets a
 * {@link LimiterTwin}, made at its first fast decision, and from then on every call on that instance follows
 * the rule "live state stays where it is": a key whose window is running (or holds a slot) on one side is
 * answered by that side, whatever the flag, the canary or the breaker say; only a key idle on both sides
 * goes where the point decides, and a move to the twin is made under the key's striped lock, never while a
 * call of that stripe runs the original's body ({@link LimiterTwin}), so that two calls can never give one
 * key an owner on each side. docs/ARCHITECTURE.md ("Point gateway.rate-limiter") has the
 * rule, what a flag change, an attach or a breaker opening does, and the bounds where it cannot hold.
 *
 * <p>Never throws to the bridge: a Throwable of the twin runs the original for that call.
 */
final class GatewayLimiterFastPath implements GatewayLimiterBridge.Handle {

    private final Point point;
    private final TwinTable<LimiterTwin> twins = new TwinTable<>();

    GatewayLimiterFastPath(Point point) {
        this.point = point;
    }

    /**
     * The point is off and no limiter has ever had a twin: no key can have state outside its original, so the
     * original answers every call alone, as without the agent. Once any twin exists this stays false, and
     * every call asks its instance's twin first, so live twin state stays with the twin whatever the flag.
     */
    @Override
    public boolean originalOnly() {
        return point.isOff() && !twins.everRegistered();
    }

    /** The twins, for tests. */
    TwinTable<LimiterTwin> twins() {
        return twins;
    }

    @Override
    public void tryAcquire(Object limiter, Object windows, String key, long rpm, long tpm, int maxParallel,
                           long reserved, long now, RateLimitAnswer a) {
        a.countedIn = null;
        a.decision = 0;
        LimiterTwin twin = twins.get(limiter);
        if (twin != null) {
            int live = liveInTwin(twin, key, rpm, tpm, maxParallel, reserved, now, a);
            if (live != NOT_LIVE) {
                return; // answered by the twin, or fell back after a fault: either way counted
            }
        }
        int d = point.decide(key.hashCode());
        if (Point.isOriginal(d)) {
            originalPath(twin, key, rpm, tpm, maxParallel, reserved, now, a, d);
            return;
        }
        long t0 = point.startTime(d);
        int stripe = -1;
        try {
            if (twin == null) {
                twin = twins.computeIfAbsent(limiter, GatewayLimiterFastPath::newTwin);
            }
            stripe = twin.lock(key); // liveInTwin found the key idle in the twin: look again under the lock
            point.injectFault(); // after the lock, so that the fallback below is counted before a move can look
            if (!twin.acquireIfLive(key, rpm, tpm, maxParallel, reserved, now, a)) {
                if (twin.originalRunning(stripe) || twin.originalLive(windows, key, now)) {
                    // the original holds the key's live state, or may be making it: it answers
                    point.fastDeclined(d);
                    twin.enterOriginalLocked(stripe);
                    counted(a, twin, stripe, key, now, d, t0);
                    return;
                }
                twin.acquire(key, rpm, tpm, maxParallel, reserved, now, a);
            }
            point.fastAnswered(d, t0);
        } catch (Throwable t) {
            a.answered = false;
            point.fastFailed(d, t);
            if (stripe >= 0) {
                // the original answers: counted in the key's stripe, as a declined call is, so that no call
                // moves the key to the twin while the original's body runs (both sides would then admit)
                twin.enterOriginalLocked(stripe);
                counted(a, twin, stripe, key, now, d, t0);
            } else {
                rememberTiming(a, d, t0); // the twin could not be made or locked
            }
        } finally {
            if (stripe >= 0) {
                twin.unlock(stripe);
            }
        }
    }

    /** {@link #liveInTwin}: the twin holds no live state for the key; the point's decision picks the side. */
    private static final int NOT_LIVE = 0;
    private static final int ANSWERED = 1;
    private static final int FELL_BACK = 2;

    /**
     * The first step of every {@code tryAcquire} on an instance with a twin, before any decision: a key whose
     * state is live in the twin stays there whatever the flag, the canary or the breaker say, so the twin
     * answers it without a decision. Counted as a fast call ({@code fastAnswered} of a plain, unsampled,
     * non-trial {@link Point#FAST}), so {@code /metrics} shows what answered it; such calls are not sampled
     * for latency and never take a half-open breaker's trial. The call's injected fault is drawn here, before
     * the twin changes anything; with faults configured, whether the key is live is first looked at without
     * taking anything, so that a call the twin would not answer draws no fault here (a fast decision draws it
     * later). A Throwable runs the original for this call, counted as a fallback.
     */
    private int liveInTwin(LimiterTwin twin, String key, long rpm, long tpm, int maxParallel, long reserved,
                           long now, RateLimitAnswer a) {
        try {
            if (point.faultRate() != 0) {
                if (!twin.peekIfLive(key, rpm, tpm, maxParallel, now, a)) {
                    a.answered = false;
                    return NOT_LIVE;
                }
                a.answered = false;
                point.injectFault();
            }
            if (twin.acquireIfLive(key, rpm, tpm, maxParallel, reserved, now, a)) {
                point.fastAnswered(Point.FAST, 0L);
                return ANSWERED;
            }
            return NOT_LIVE;
        } catch (Throwable t) {
            a.answered = false;
            point.fastFailed(Point.FAST, t);
            return FELL_BACK;
        }
    }

    /**
     * The point sends this call to the original. A key live in the twin stays there; otherwise the original
     * answers, counted as running in the key's stripe, so that no concurrent fast call moves the key to the
     * twin meanwhile ({@link LimiterTwin}: the count is taken before the twin is looked at).
     */
    private void originalPath(LimiterTwin twin, String key, long rpm, long tpm, int maxParallel, long reserved,
                              long now, RateLimitAnswer a, int d) {
        long t0 = point.startTime(d);
        if (twin == null) {
            rememberTiming(a, d, t0); // never fast on this instance: the original alone
            return;
        }
        int stripe = LimiterTwin.stripe(key);
        boolean counted = false;
        try {
            twin.enterOriginal(stripe);
            counted = true;
            if (twin.acquireIfLive(key, rpm, tpm, maxParallel, reserved, now, a)) {
                return;
            }
            counted(a, twin, stripe, key, now, d, t0);
            counted = false; // the exit advice leaves
        } catch (Throwable t) {
            a.answered = false;
        } finally {
            if (counted) {
                twin.leaveOriginal(stripe);
            }
        }
    }

    /**
     * The original body runs counted in {@code twin}'s {@code stripe}; the exit advice ({@link #originalDone})
     * hands the key over and leaves.
     */
    private static void counted(RateLimitAnswer a, LimiterTwin twin, int stripe, String key, long now, int d,
                                long t0) {
        a.answered = false;
        a.countedIn = twin;
        a.countedStripe = stripe;
        a.countedKey = key;
        a.countedNow = now;
        rememberTiming(a, d, t0);
    }

    private static void rememberTiming(RateLimitAnswer a, int d, long t0) {
        if (Point.isTimed(d)) {
            a.decision = d;
            a.startNanos = t0;
        }
    }

    /**
     * The exit of a call whose original body ran. When the body ran counted in a stripe, the key's state in
     * the twin, if idle at the call's reading, is dropped before the count is left: the original now holds the
     * key's window (the body anchored or joined one at that reading), and a later call whose reading is older
     * (read before a deschedule) must find nothing live in the twin and join that window, as it would join a
     * plain limiter's only window. While the call is counted no move to the twin can start, and the drop is
     * one compare-and-set against the twin's own calls, so a window or slot the twin still holds is never lost.
     */
    @Override
    public void originalDone(RateLimitAnswer a) {
        try {
            Object owner = a.countedIn;
            if (owner != null) {
                a.countedIn = null;
                String key = a.countedKey;
                a.countedKey = null;
                LimiterTwin twin = (LimiterTwin) owner;
                try {
                    twin.limiter.evictIfIdle(key, a.countedNow);
                } finally {
                    twin.leaveOriginal(a.countedStripe);
                }
            }
            if (a.decision != 0) {
                int d = a.decision;
                a.decision = 0;
                point.originalDone(d, a.startNanos);
            }
        } catch (Throwable ignored) {
            // bookkeeping never changes the original's answer
        }
    }

    @Override
    public void peek(Object limiter, Object windows, String key, long rpm, long tpm, int maxParallel, long now,
                     RateLimitAnswer a) {
        a.countedIn = null;
        a.decision = 0;
        LimiterTwin twin = twins.get(limiter);
        try {
            if (twin != null && twin.peekIfLive(key, rpm, tpm, maxParallel, now, a)) {
                return;
            }
        } catch (Throwable t) {
            a.answered = false;
            return;
        }
        int d = point.decide(key.hashCode());
        if (Point.isOriginal(d)) {
            return;
        }
        long t0 = point.startTime(d);
        try {
            point.injectFault();
            twin = twin != null ? twin : twinOf(limiter);
            if (twin.originalLive(windows, key, now)) {
                point.fastDeclined(d);
                return;
            }
            twin.peek(key, rpm, tpm, maxParallel, now, a);
            point.fastAnswered(d, t0);
        } catch (Throwable t) {
            a.answered = false;
            point.fastFailed(d, t);
        }
    }

    @Override
    public boolean reconcile(Object limiter, String key, long reserved, long actual, long acquiredAt, long now) {
        LimiterTwin twin = twins.get(limiter);
        try {
            return twin != null && twin.limiter.reconcile(key, reserved, actual, acquiredAt, now);
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public boolean release(Object limiter, String key) {
        LimiterTwin twin = twins.get(limiter);
        try {
            return twin != null && twin.limiter.release(key);
        } catch (Throwable t) {
            return false;
        }
    }

    @Override
    public int evictIdle(Object limiter, long now) {
        LimiterTwin twin = twins.get(limiter);
        try {
            return twin == null ? 0 : twin.limiter.evictIdle(now);
        } catch (Throwable t) {
            return 0;
        }
    }

    @Override
    public int trackedKeys(Object limiter, int originalKeys) {
        LimiterTwin twin = twins.get(limiter);
        try {
            return twin == null ? originalKeys : (int) Math.min(Integer.MAX_VALUE,
                    (long) originalKeys + twin.limiter.trackedKeys());
        } catch (Throwable t) {
            return originalKeys;
        }
    }

    private LimiterTwin twinOf(Object limiter) {
        LimiterTwin twin = twins.get(limiter);
        return twin != null ? twin : twins.computeIfAbsent(limiter, GatewayLimiterFastPath::newTwin);
    }

    private static LimiterTwin newTwin(Object limiter) {
        return new LimiterTwin(limiter.getClass());
    }
}
