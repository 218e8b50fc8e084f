package dev.fastllm.core.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ThreadLocalRandom;

import static dev.fastllm.core.limits.WindowWord.ABSENT;
import static dev.fastllm.core.limits.WindowWord.DEAD;
import static dev.fastllm.core.limits.WindowWord.ONE_IN_FLIGHT;
import static dev.fastllm.core.limits.WindowWord.UNREPRESENTABLE;

/**
 * Per-key limits (requests per minute, tokens per minute, requests in flight) with no lock on any path:
 * the fast twin of a gateway's per-key limiter, answering every sequence of calls exactly as that limiter
 * does (LiteLLM's per-key semantics, documented in {@link WindowRules}).
 *
 * <p>Each key's window lives in one 64-bit word of an open-addressing table ({@link WindowWord}), changed by
 * one compare-and-set per call: no monitor, no allocation on the admit and refuse paths, 12 bytes of slot per
 * key. Answers are written into a caller-owned {@link LimitDecision}. Keys whose numbers exceed the compact
 * ranges are kept exactly in a {@link WideWindow} (allocation-free too, but for one object per window roll). The table
 * grows, drops evicted keys and moves its time base by copying itself into a successor while serving
 * ({@link WindowTable}); every caller that meets a copy in progress helps it along by one chunk.
 *
 * <p>Time is passed in: {@code nowMillis} must come from one monotonic clock shared by every call. Windows
 * stay exact for the life of the process: the table moves its base forward every ~25 minutes of clock.
 * One bound: when it does, a window that had expired {@link #BASE_MARGIN_MILLIS} before is forgotten as
 * expired (its slots are kept), so a call whose clock reading lags the latest by more than
 * {@code BASE_MARGIN_MILLIS - 60 s} could see a fresh window where the original saw an old one.
 *
 * <p>Limits are the caller's, per call, non-negative; {@link Long#MAX_VALUE} / {@link Integer#MAX_VALUE}
 * mean unlimited.
 */
public final class LockFreeKeyRateLimiter extends WindowTables {

    /** Length of a rate-limit window. */
    public static final long WINDOW_MILLIS = WindowRules.WINDOW_MILLIS;
    /** Retry hint for a request refused because every parallel slot of its key is taken. */
    public static final long PARALLEL_RETRY_AFTER_MILLIS = WindowRules.PARALLEL_RETRY_AFTER_MILLIS;
    /** How far before the triggering clock reading a new table base is placed. */
    public static final long BASE_MARGIN_MILLIS = WindowTables.BASE_MARGIN_MILLIS;

    /** A slot lookup still to be made (no lookup answers this). */
    private static final int LOOK_UP = Integer.MIN_VALUE;

    private static final VarHandle TRACKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TRACKED = l.findVarHandle(LockFreeKeyRateLimiter.class, "tracked", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long tracked;

    public LockFreeKeyRateLimiter() {
        this(WindowTable.MIN_CAPACITY);
    }

    /** @param expectedKeys keys to size the first table for (it grows beyond as needed) */
    public LockFreeKeyRateLimiter(int expectedKeys) {
        super(WindowTable.capacityFor(expectedKeys));
    }

    /**
     * Atomically checks the key's three limits and, only if all pass, takes one request,
     * {@code reservedTokens} tokens and one parallel slot. A refused request takes nothing. An admitted
     * request must be {@link #release released} exactly once.
     *
     * @param reservedTokens prompt tokens plus the completion budget; negative counts as 0
     * @param into           the holder the answer is written to (and returned)
     */
    public LimitDecision tryAcquire(String key, long rpm, long tpm, int maxParallel, long reservedTokens,
                                    long nowMillis, LimitDecision into) {
        return acquire(key, rpm, tpm, maxParallel, reservedTokens, nowMillis, into, false);
    }

    /**
     * {@link #tryAcquire}, but only when this limiter holds live state for the key (a window not yet over, or
     * a slot held); otherwise nothing changes, no slot is claimed for the key, and the answer is null. Lets a
     * caller that shares keys with another limiter keep each key's live state where it is.
     */
    public LimitDecision tryAcquireIfLive(String key, long rpm, long tpm, int maxParallel, long reservedTokens,
                                          long nowMillis, LimitDecision into) {
        return acquire(key, rpm, tpm, maxParallel, reservedTokens, nowMillis, into, true);
    }

    /**
     * The common case in few instructions, so that the JIT inlines it into the caller: a request admitted
     * into a live compact window whose counts stay compact ({@link WindowWord#admitted}), one lookup and one
     * compare-and-set. Such a window is live, so {@code onlyIfLive} changes nothing here. Everything else
     * goes on to {@link #acquireAnyWindow} with what the lookup found.
     */
    private LimitDecision acquire(String key, long rpm, long tpm, int maxParallel, long reservedTokens,
                                  long nowMillis, LimitDecision into, boolean onlyIfLive) {
        long reserve = Math.max(0, reservedTokens);
        int hash = key.hashCode();
        WindowTable t = current();
        int i = t.find(key, hash);
        if (i >= 0) {
            long w = t.word(i);
            long next = WindowWord.admitted(w, t.base, rpm, tpm, maxParallel, reserve, nowMillis);
            if (next != 0) {
                if (t.casWord(i, w, next)) {
                    WindowRules.admitted(into, rpm, WindowWord.requests(next), tpm, WindowWord.tokens(next));
                    return into;
                }
                return acquireAnyWindow(key, hash, rpm, tpm, maxParallel, reserve, nowMillis, into, onlyIfLive,
                        t, i, 1);
            }
        }
        // not found here: a caller that may claim looks again with findOrClaim
        int found = i == WindowTable.NOT_FOUND && !onlyIfLive ? LOOK_UP : i;
        return acquireAnyWindow(key, hash, rpm, tpm, maxParallel, reserve, nowMillis, into, onlyIfLive, t, found, 0);
    }

    /**
     * {@link #acquire} for every state of the key's slot (absent, wide, moving, a window the compact word
     * cannot hold), and for a compact one after {@code lost} lost compare-and-sets: the same rules, from a
     * fresh read of the word. Kept apart so that the common case stays small.
     *
     * @param found what the lookup in {@code t} answered (a slot, {@link WindowTable#NOT_FOUND} or
     *              {@link WindowTable#GO_NEXT}), so the first round does not look the key up again
     */
    private LimitDecision acquireAnyWindow(String key, int hash, long rpm, long tpm, int maxParallel, long reserve,
                                           long nowMillis, LimitDecision into, boolean onlyIfLive, WindowTable t,
                                           int found, int lost) {
        if (lost > 0) {
            backoff(lost);
        }
        int pending = found;
        while (true) {
            int i = pending != LOOK_UP ? pending : onlyIfLive ? t.find(key, hash) : t.findOrClaim(key, hash);
            pending = LOOK_UP;
            if (i == WindowTable.NOT_FOUND) {
                return null; // only when onlyIfLive: findOrClaim never answers NOT_FOUND
            }
            if (i < 0) {
                t = follow(t);
                continue;
            }
            long w = t.word(i);
            if (WindowWord.isFrozenOrMoved(w)) {
                t = follow(t, i);
                continue;
            }
            if (WindowWord.isWideRef(w)) {
                int c = WindowWord.cell(w);
                WideWindow s = t.cell(c);
                if (s != null && s.frozen) {
                    t = follow(t, i);
                    continue;
                }
                if (s == null) {
                    if (onlyIfLive) {
                        return null;
                    }
                    WindowRules.acquire(into, false, 0, 0, 0, 0, rpm, tpm, maxParallel, reserve, nowMillis);
                    if (t.casCell(c, null, WideWindow.after(into))) {
                        TRACKED.getAndAdd(this, 1L);
                        return into;
                    }
                    continue;
                }
                long v = s.counts();
                if (onlyIfLive && WindowRules.idle(s.anchored, s.start, s.inFlight(v), nowMillis)) {
                    return null;
                }
                WindowRules.acquire(into, s.anchored, s.start, s.requests(v), s.tokens(v), s.inFlight(v),
                        rpm, tpm, maxParallel, reserve, nowMillis);
                if (!into.changed || updateWide(t, c, s, v, into.nextAnchored, into.nextStart, into.nextRequests,
                        into.nextTokens, into.nextInFlight)) {
                    return into;
                }
                backoff(++lost);
                continue;
            }
            boolean absent = w == ABSENT || w == DEAD;
            if (onlyIfLive && (absent || WindowRules.idle(WindowWord.anchored(w), WindowWord.start(w, t.base),
                    WindowWord.inFlight(w), nowMillis))) {
                return null;
            }
            if (absent) {
                WindowRules.acquire(into, false, 0, 0, 0, 0, rpm, tpm, maxParallel, reserve, nowMillis);
            } else {
                WindowRules.acquire(into, WindowWord.anchored(w), WindowWord.start(w, t.base),
                        WindowWord.requests(w), WindowWord.tokens(w), WindowWord.inFlight(w),
                        rpm, tpm, maxParallel, reserve, nowMillis);
                if (!into.changed) {
                    return into;
                }
            }
            long next = WindowWord.encode(true, into.nextStart, into.nextRequests, into.nextTokens,
                    into.nextInFlight, t.base, t.based);
            if (next == UNREPRESENTABLE && rebase(t, nowMillis, tracked)) {
                t = follow(t, i); // the slot goes to a table based nearer to now; try there
                continue;
            }
            if (next == UNREPRESENTABLE ? promote(t, i, w, into) : t.casWord(i, w, next)) {
                if (absent) {
                    TRACKED.getAndAdd(this, 1L);
                    grow(t, nowMillis, tracked);
                }
                if (nowMillis - t.base > WindowTables.REBASE_AFTER_MILLIS) {
                    rebase(t, nowMillis, tracked);
                }
                return into;
            }
            backoff(++lost);
        }
    }

    /**
     * Replaces a request's token reservation with the provider-reported usage, if the key's window is still
     * the one the request was admitted in; otherwise nothing changes.
     *
     * @param acquiredAtMillis the {@code nowMillis} passed to the {@link #tryAcquire} that admitted the request
     */
    public boolean reconcile(String key, long reservedTokens, long actualTokens, long acquiredAtMillis,
                             long nowMillis) {
        long reserved = Math.max(0, reservedTokens);
        long actual = Math.max(0, actualTokens);
        int hash = key.hashCode();
        WindowTable t = current();
        while (true) {
            int i = t.find(key, hash);
            if (i == WindowTable.NOT_FOUND) {
                return false;
            }
            if (i == WindowTable.GO_NEXT) {
                t = follow(t);
                continue;
            }
            long w = t.word(i);
            if (WindowWord.isFrozenOrMoved(w)) {
                t = follow(t, i);
                continue;
            }
            if (WindowWord.isWideRef(w)) {
                int c = WindowWord.cell(w);
                WideWindow s = t.cell(c);
                if (s != null && s.frozen) {
                    t = follow(t, i);
                    continue;
                }
                if (s == null) {
                    return false;
                }
                long v = s.counts();
                long tokens = WindowRules.reconciledTokens(s.anchored, s.start, s.tokens(v), reserved, actual,
                        acquiredAtMillis, nowMillis);
                if (tokens < 0 || updateWide(t, c, s, v, s.anchored, s.start, s.requests(v), tokens, s.inFlight(v))) {
                    return WindowRules.current(s.anchored, s.start, nowMillis);
                }
                continue;
            }
            if (w == ABSENT || w == DEAD) {
                return false;
            }
            long tokens = WindowRules.reconciledTokens(WindowWord.anchored(w), WindowWord.start(w, t.base),
                    WindowWord.tokens(w), reserved, actual, acquiredAtMillis, nowMillis);
            if (tokens < 0) {
                return WindowRules.current(WindowWord.anchored(w), WindowWord.start(w, t.base), nowMillis);
            }
            if (tokens <= WindowWord.TOKENS_MASK) {
                if (t.casWord(i, w, (w & ~WindowWord.TOKENS_MASK) | tokens)) {
                    return true;
                }
            } else if (promote(t, i, w, WideWindow.of(WindowWord.anchored(w), WindowWord.start(w, t.base),
                    WindowWord.requests(w), tokens, WindowWord.inFlight(w)))) {
                return true;
            }
        }
    }

    /**
     * Frees the parallel slot of an admitted request. The caller guarantees exactly one call per admission.
     *
     * @return true when a held slot was freed; false when the key held none here
     */
    public boolean release(String key) {
        int hash = key.hashCode();
        WindowTable t = current();
        int i = t.find(key, hash);
        if (i >= 0) {
            long w = t.word(i);
            if (WindowWord.isCompact(w) && WindowWord.inFlight(w) != 0) {
                if (t.casWord(i, w, w - ONE_IN_FLIGHT)) {
                    return true;
                }
                return releaseAnyWindow(key, hash, t, i, 1);
            }
        }
        return releaseAnyWindow(key, hash, t, i, 0);
    }

    /**
     * {@link #release} for every state of the key's slot (wide, moving, absent), and for a compact one after
     * {@code lost} lost compare-and-sets. Kept apart so that the common case stays small enough for the JIT
     * to inline into the caller.
     *
     * @param found what the lookup in {@code t} answered, used in the first round
     */
    private boolean releaseAnyWindow(String key, int hash, WindowTable t, int found, int lost) {
        if (lost > 0) {
            backoff(lost);
        }
        int pending = found;
        while (true) {
            int i = pending != LOOK_UP ? pending : t.find(key, hash);
            pending = LOOK_UP;
            if (i == WindowTable.NOT_FOUND) {
                return false;
            }
            if (i == WindowTable.GO_NEXT) {
                t = follow(t);
                continue;
            }
            long w = t.word(i);
            if (WindowWord.isFrozenOrMoved(w)) {
                t = follow(t, i);
                continue;
            }
            if (WindowWord.isWideRef(w)) {
                int c = WindowWord.cell(w);
                WideWindow s = t.cell(c);
                if (s != null && s.frozen) {
                    t = follow(t, i);
                    continue;
                }
                if (s == null) {
                    return false;
                }
                long v = s.counts();
                int inFlight = s.inFlight(v);
                if (inFlight == 0) {
                    return false;
                }
                if (updateWide(t, c, s, v, s.anchored, s.start, s.requests(v), s.tokens(v), inFlight - 1)) {
                    return true;
                }
                backoff(++lost);
                continue;
            }
            if (w == ABSENT || w == DEAD || WindowWord.inFlight(w) == 0) {
                return false;
            }
            if (t.casWord(i, w, w - ONE_IN_FLIGHT)) {
                return true;
            }
            backoff(++lost);
        }
    }

    /**
     * The key's current standing without taking anything: whether a request reserving no tokens would be
     * admitted now, with the header values. Creates no state for an unseen key.
     */
    public LimitDecision peek(String key, long rpm, long tpm, int maxParallel, long nowMillis, LimitDecision into) {
        return look(key, rpm, tpm, maxParallel, nowMillis, into, false);
    }

    /** {@link #peek}, but null when this limiter holds no live state for the key (see {@link #tryAcquireIfLive}). */
    public LimitDecision peekIfLive(String key, long rpm, long tpm, int maxParallel, long nowMillis,
                                    LimitDecision into) {
        return look(key, rpm, tpm, maxParallel, nowMillis, into, true);
    }

    private LimitDecision look(String key, long rpm, long tpm, int maxParallel, long nowMillis, LimitDecision into,
                               boolean onlyIfLive) {
        int hash = key.hashCode();
        WindowTable t = current();
        while (true) {
            int i = t.find(key, hash);
            if (i == WindowTable.NOT_FOUND) {
                if (onlyIfLive) {
                    return null;
                }
                WindowRules.peekUnseen(into, rpm, tpm);
                return into;
            }
            if (i == WindowTable.GO_NEXT) {
                t = follow(t);
                continue;
            }
            long w = t.word(i);
            if (WindowWord.isFrozenOrMoved(w)) {
                t = follow(t, i);
                continue;
            }
            if (WindowWord.isWideRef(w)) {
                WideWindow s = t.cell(WindowWord.cell(w));
                if (s != null && s.frozen) {
                    t = follow(t, i);
                    continue;
                }
                if (s == null) {
                    if (onlyIfLive) {
                        return null;
                    }
                    WindowRules.peekUnseen(into, rpm, tpm);
                } else {
                    long v = s.counts();
                    if (onlyIfLive && WindowRules.idle(s.anchored, s.start, s.inFlight(v), nowMillis)) {
                        return null;
                    }
                    WindowRules.peek(into, s.anchored, s.start, s.requests(v), s.tokens(v), s.inFlight(v),
                            rpm, tpm, maxParallel, nowMillis);
                }
                return into;
            }
            if (onlyIfLive && (w == ABSENT || w == DEAD || WindowRules.idle(WindowWord.anchored(w),
                    WindowWord.start(w, t.base), WindowWord.inFlight(w), nowMillis))) {
                return null;
            }
            if (w == ABSENT || w == DEAD) {
                WindowRules.peekUnseen(into, rpm, tpm);
            } else {
                WindowRules.peek(into, WindowWord.anchored(w), WindowWord.start(w, t.base), WindowWord.requests(w),
                        WindowWord.tokens(w), WindowWord.inFlight(w), rpm, tpm, maxParallel, nowMillis);
            }
            return into;
        }
    }

    /**
     * Drops the state of keys whose window has expired and which hold no parallel slot, then, when many
     * slots are dead or the table is mostly empty, copies the live keys into a right-sized table so that
     * evicted keys give their memory back. Call periodically; safe to run concurrently with every other method.
     *
     * @return how many keys were dropped
     */
    public int evictIdle(long nowMillis) {
        int removed = 0;
        WindowTable t = finishCopy();
        while (true) {
            boolean complete = true;
            for (int i = 0; i <= t.mask && complete; i++) {
                int r = evictSlot(t, i, nowMillis);
                if (r < 0) {
                    complete = false;
                } else {
                    removed += r;
                }
            }
            if (complete) {
                break;
            }
            t = finishCopy(); // a copy started under the scan: finish it and scan the new table too
        }
        shrinkIfSparse(tracked, nowMillis);
        return removed;
    }

    /**
     * Drops one key's state if it is idle at {@code nowMillis} ({@link #evictIdle}'s rule for that key alone:
     * its window over, or none, and no parallel slot held). Afterwards no call, at whatever reading, finds
     * the key live here until a new request for it comes. Safe to run concurrently with every other method.
     *
     * @return true when the key's state was dropped
     */
    public boolean evictIfIdle(String key, long nowMillis) {
        int hash = key.hashCode();
        WindowTable t = current();
        while (true) {
            int i = t.find(key, hash);
            if (i == WindowTable.NOT_FOUND) {
                return false;
            }
            if (i == WindowTable.GO_NEXT) {
                t = follow(t);
                continue;
            }
            int r = evictSlot(t, i, nowMillis);
            if (r >= 0) {
                return r == 1;
            }
            t = follow(t, i); // the slot is being copied: evict it where it goes
        }
    }

    /** Number of keys with state held. */
    public int trackedKeys() {
        return (int) Math.min(Integer.MAX_VALUE, tracked);
    }

    // ---------------------------------------------------------------- eviction of one slot

    /** @return 1 when the slot's key was dropped, 0 when not, -1 when the slot is being copied */
    private int evictSlot(WindowTable t, int i, long now) {
        while (true) {
            long w = t.word(i);
            if (WindowWord.isFrozenOrMoved(w)) {
                return -1;
            }
            if (WindowWord.isWideRef(w)) {
                int c = WindowWord.cell(w);
                WideWindow s = t.cell(c);
                if (s == null) {
                    return 0;
                }
                if (s.frozen) {
                    return -1;
                }
                long v = s.counts();
                if (!WindowRules.idle(s.anchored, s.start, s.inFlight(v), now)) {
                    return 0;
                }
                if (s.close(v) && t.casCell(c, s, null)) {
                    TRACKED.getAndAdd(this, -1L);
                    return 1;
                }
                continue;
            }
            if (!WindowWord.isCompact(w)
                    || !WindowRules.idle(WindowWord.anchored(w), WindowWord.start(w, t.base), WindowWord.inFlight(w), now)) {
                return 0;
            }
            if (t.casWord(i, w, DEAD)) {
                TRACKED.getAndAdd(this, -1L);
                return 1;
            }
        }
    }

    // ---------------------------------------------------------------- contention

    /** Spin-wait hints after the first lost compare-and-set of a call: up to 2^5. */
    private static final int BACKOFF_FIRST_SHIFT = 5;
    /** At most 2^8 spin-wait hints between two attempts. */
    private static final int BACKOFF_MAX_SHIFT = 8;

    /**
     * Waits after a call's {@code lost}-th lost compare-and-set on one key's state, for a random number of
     * spin-wait hints whose bound doubles with every loss. Cores that update one hot key then stop taking its
     * cache line from each other on every call, and a winner runs a few calls on a warm line; a key nobody
     * else updates never gets here. (Measured on the hot-key benchmark: fewer failed compare-and-sets and a
     * shorter pair under contention; see the README's limiter figures.)
     */
    private static void backoff(int lost) {
        int bound = 1 << Math.min(BACKOFF_FIRST_SHIFT + lost - 1, BACKOFF_MAX_SHIFT);
        for (int n = ThreadLocalRandom.current().nextInt(bound) + 1; n > 0; n--) {
            Thread.onSpinWait();
        }
    }

    // ---------------------------------------------------------------- wide keys

    /**
     * Publishes a wide key's next window: one compare-and-set of the cell's counts when only counts change
     * and their deltas fit, else closes the counts and replaces the cell's window with a new base.
     *
     * @return false when another call got there first (the caller retries)
     */
    private static boolean updateWide(WindowTable t, int c, WideWindow s, long counts, boolean anchored, long start,
                                      long requests, long tokens, int inFlight) {
        if (!WideWindow.isClosed(counts) && s.anchored == anchored && s.start == start) {
            long next = s.countsFor(requests, tokens, inFlight);
            if (next != WideWindow.UNREPRESENTABLE) {
                return s.casCounts(counts, next);
            }
        }
        return s.close(counts) && t.casCell(c, s, WideWindow.of(anchored, start, requests, tokens, inFlight));
    }

    private static boolean promote(WindowTable t, int i, long w, LimitDecision d) {
        return promote(t, i, w, WideWindow.after(d));
    }

    /** Publishes {@code s} as the key's window in a new cell, if the slot still holds {@code w}. */
    private static boolean promote(WindowTable t, int i, long w, WideWindow s) {
        int c = t.newCell(s);
        if (t.casWord(i, w, WindowWord.wideRef(c))) {
            return true;
        }
        t.abandonCell(c, s);
        return false;
    }
}
