package dev.fastllm.fallback;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A point's circuit breaker. Closed: nothing is done for a successful call, and an error writes its time
 * into a ring holding the times of the last {@code failures - 1} errors; the ring slot it replaces holds
 * the error {@code failures - 1} errors ago, so "the Nth error within the window" is one comparison and
 * no lock. Opening, half-opening and closing are rare and take this object's monitor; admission while
 * half-open is a lock-free permit count.
 */
public final class Breaker {

    static final int CLOSED = 0;
    static final int OPEN = 1;
    static final int HALF_OPEN = 2;
    static final int DISABLED = 3;

    /** {@link #admit} answers: refuse (run the original), allow, or allow as a half-open trial. */
    static final int REFUSE = 0;
    static final int ALLOW = 1;
    static final int ALLOW_TRIAL = 2;

    private static final long EMPTY = Long.MIN_VALUE;
    private static final BreakerState[] STATES = BreakerState.values();

    private final NanoClock clock;
    private volatile BreakerConfig config;
    private volatile int state = CLOSED;

    /** Times of recent errors while closed; replaced when the thresholds change. */
    private volatile AtomicLongArray recentErrors;
    private final AtomicLong errorSeq = new AtomicLong();

    private volatile long openedAt;
    private volatile long halfOpenedAt;
    private final AtomicInteger trialPermits = new AtomicInteger();
    private final AtomicInteger trialSuccesses = new AtomicInteger();

    /** Transition counts indexed by target state. */
    private final AtomicLong[] transitions = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};

    Breaker(BreakerConfig config, NanoClock clock) {
        this.clock = clock;
        this.config = config;
        this.recentErrors = newRing(config);
    }

    private static AtomicLongArray newRing(BreakerConfig c) {
        AtomicLongArray ring = new AtomicLongArray(Math.max(1, c.failures() - 1));
        for (int i = 0; i < ring.length(); i++) {
            ring.set(i, EMPTY);
        }
        return ring;
    }

    public BreakerState state() {
        return STATES[state];
    }

    public BreakerConfig config() {
        return config;
    }

    /** How many times the breaker entered {@code to}. */
    public long transitionsTo(BreakerState to) {
        return transitions[to.ordinal()].get();
    }

    boolean isClosed() {
        return state == CLOSED;
    }

    synchronized void reconfigure(BreakerConfig c) {
        config = c;
        recentErrors = newRing(c);
    }

    /** Called when the state is not closed: may the fast path run? */
    int admit() {
        int s = state;
        if (s == CLOSED) {
            return ALLOW;
        }
        if (s == DISABLED) {
            return REFUSE;
        }
        long now = clock.nanoTime();
        if (s == OPEN) {
            if (now - openedAt < config.openNanos()) {
                return REFUSE;
            }
            halfOpen(now);
        }
        // half-open (or raced to another state)
        s = state;
        if (s == CLOSED) {
            return ALLOW;
        }
        if (s != HALF_OPEN) {
            return REFUSE;
        }
        if (takePermit()) {
            return ALLOW_TRIAL;
        }
        // no permit left: if the trials never reported back (a lost call), grant a fresh round
        if (now - halfOpenedAt >= Math.max(config.openNanos(), 1L)) {
            regrant(now);
            if (takePermit()) {
                return ALLOW_TRIAL;
            }
        }
        return REFUSE;
    }

    private boolean takePermit() {
        for (;;) {
            int p = trialPermits.get();
            if (p <= 0) {
                return false;
            }
            if (trialPermits.compareAndSet(p, p - 1)) {
                return true;
            }
        }
    }

    private synchronized void halfOpen(long now) {
        if (state != OPEN || now - openedAt < config.openNanos()) {
            return;
        }
        trialSuccesses.set(0);
        trialPermits.set(config.trials());
        halfOpenedAt = now;
        enter(HALF_OPEN);
    }

    private synchronized void regrant(long now) {
        if (state == HALF_OPEN && now - halfOpenedAt >= Math.max(config.openNanos(), 1L)) {
            trialSuccesses.set(0);
            trialPermits.set(config.trials());
            halfOpenedAt = now;
        }
    }

    /**
     * A fast-path error. While half-open any error re-opens; {@code fatal} (a VirtualMachineError) opens at
     * once whatever the window says.
     */
    void onError(boolean fatal) {
        int s = state;
        if (s == DISABLED || s == OPEN) {
            return;
        }
        long now = clock.nanoTime();
        if (s == HALF_OPEN || fatal) {
            open(now);
            return;
        }
        BreakerConfig c = config;
        if (c.failures() <= 1) {
            open(now);
            return;
        }
        AtomicLongArray ring = recentErrors;
        int slot = (int) Long.remainderUnsigned(errorSeq.getAndIncrement(), ring.length());
        long earlier = ring.getAndSet(slot, now);
        if (earlier != EMPTY && now - earlier <= c.windowNanos()) {
            open(now);
        }
    }

    /** A half-open trial call answered. */
    void onTrialSuccess() {
        if (state == HALF_OPEN && trialSuccesses.incrementAndGet() >= config.trials()) {
            close(HALF_OPEN);
        }
    }

    /** A half-open trial call declined: it proves nothing, so its permit goes back. */
    void onTrialDeclined() {
        if (state == HALF_OPEN) {
            trialPermits.incrementAndGet();
        }
    }

    private synchronized void open(long now) {
        int s = state;
        if (s == OPEN || s == DISABLED) {
            return;
        }
        openedAt = now;
        trialPermits.set(0);
        enter(config.permanent() ? DISABLED : OPEN);
    }

    private synchronized void close(int from) {
        if (state != from) {
            return;
        }
        recentErrors = newRing(config);
        enter(CLOSED);
    }

    /** Closes the breaker whatever its state (an operator's reset, over JMX). */
    public synchronized void reset() {
        if (state != CLOSED) {
            recentErrors = newRing(config);
            enter(CLOSED);
        }
    }

    private void enter(int s) {
        state = s;
        transitions[s].incrementAndGet();
    }
}
