package dev.fastllm.core.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A window whose numbers do not fit a {@link WindowWord}: a hot key with no limits, a huge token budget.
 * Full-width base numbers are fixed per instance; what changes call by call lives in one {@code counts} word
 * of deltas from the base (requests, tokens, in flight, 21 bits each), changed by compare-and-set, so an
 * admission or a release on a wide key allocates nothing either. A new instance replaces the cell's old one
 * only when the window rolls or a delta outgrows its field (about once per million tokens or two million
 * requests): the old one's counts are first closed (their top bit set), which freezes its numbers, and then
 * anyone may publish a successor built from them. Exact to the original's 64-bit arithmetic, saturation
 * included (a sum that saturates is always put in a new base).
 *
 * <p>{@link #frozen} marks the last state of a cell being copied to a new table; no update may replace it.
 */
final class WideWindow {
    /** The frozen form of a cell holding no state. */
    static final WideWindow FROZEN_ABSENT = new WideWindow(false, 0, 0, 0, 0, true, true);
    /** {@link #countsFor} result when the numbers do not fit this instance's deltas. */
    static final long UNREPRESENTABLE = Long.MAX_VALUE;

    private static final long CLOSED = 1L << 63;
    private static final long FIELD = (1L << 21) - 1;
    private static final long HALF = 1L << 20;
    private static final VarHandle COUNTS;

    static {
        try {
            COUNTS = MethodHandles.lookup().findVarHandle(WideWindow.class, "counts", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final boolean anchored;
    final long start;
    private final long baseRequests;
    private final long baseTokens;
    private final int baseInFlight;
    final boolean frozen;
    /** Only for {@link #FROZEN_ABSENT}: the key had no state. */
    final boolean absent;
    /** closed (bit 63) | in-flight delta (signed, bits 42-62) | requests delta (bits 21-41) | tokens delta (signed, bits 0-20) */
    private volatile long counts;

    private WideWindow(boolean anchored, long start, long requests, long tokens, int inFlight, boolean frozen,
                       boolean absent) {
        this.anchored = anchored;
        this.start = start;
        this.baseRequests = requests;
        this.baseTokens = tokens;
        this.baseInFlight = inFlight;
        this.frozen = frozen;
        this.absent = absent;
        this.counts = frozen ? CLOSED : 0;
    }

    static WideWindow of(boolean anchored, long start, long requests, long tokens, int inFlight) {
        return new WideWindow(anchored, start, requests, tokens, inFlight, false, false);
    }

    /** The window a decision leaves behind. */
    static WideWindow after(LimitDecision d) {
        return of(d.nextAnchored, d.nextStart, d.nextRequests, d.nextTokens, d.nextInFlight);
    }

    long counts() {
        return counts;
    }

    boolean casCounts(long expected, long update) {
        return COUNTS.compareAndSet(this, expected, update);
    }

    static boolean isClosed(long counts) {
        return counts < 0;
    }

    /** Freezes the numbers of {@code counts} (a no-op success if they are closed already). */
    boolean close(long counts) {
        return isClosed(counts) || casCounts(counts, counts | CLOSED);
    }

    long requests(long counts) {
        return baseRequests + ((counts >>> 21) & FIELD);
    }

    long tokens(long counts) {
        return baseTokens + signed(counts);
    }

    int inFlight(long counts) {
        return baseInFlight + (int) signed(counts >>> 42);
    }

    /** The counts word for these numbers over this instance's base, or {@link #UNREPRESENTABLE}. */
    long countsFor(long requests, long tokens, int inFlight) {
        long dr = requests - baseRequests;
        long dt = tokens - baseTokens;
        long di = (long) inFlight - baseInFlight;
        if (dr < 0 || dr > FIELD || dt < -HALF || dt >= HALF || di < -HALF || di >= HALF) {
            return UNREPRESENTABLE;
        }
        return (di & FIELD) << 42 | dr << 21 | (dt & FIELD);
    }

    /** This window's numbers as of closed {@code counts}, frozen for a copy. */
    WideWindow frozenCopy(long counts) {
        return new WideWindow(anchored, start, requests(counts), tokens(counts), inFlight(counts), true, false);
    }

    private static long signed(long field) {
        return ((field & FIELD) << 43) >> 43;
    }
}
