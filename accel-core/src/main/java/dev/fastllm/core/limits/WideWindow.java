package dev.fastllm.core.limits;

/**
 * A window whose numbers do not fit a {@link WindowWord}: full 64-bit start, requests and tokens, a 32-bit
 * in-flight count. Immutable; a change publishes a new instance by compare-and-set on the key's cell, so an
 * update of a wide key allocates one of these (the compact path allocates nothing). Few keys are wide: only
 * those with numbers beyond the compact ranges, such as a hot key with no request limit.
 *
 * <p>{@link #frozen} marks the last state of a cell being copied to a new table; no update may replace it.
 */
final class WideWindow {
    /** The frozen form of a cell holding no state. */
    static final WideWindow FROZEN_ABSENT = new WideWindow(false, 0, 0, 0, 0, true, true);

    final boolean anchored;
    final long start;
    final long requests;
    final long tokens;
    final int inFlight;
    final boolean frozen;
    /** Only for {@link #FROZEN_ABSENT}: the key had no state. */
    final boolean absent;

    private WideWindow(boolean anchored, long start, long requests, long tokens, int inFlight, boolean frozen,
                       boolean absent) {
        this.anchored = anchored;
        this.start = start;
        this.requests = requests;
        this.tokens = tokens;
        this.inFlight = inFlight;
        this.frozen = frozen;
        this.absent = absent;
    }

    static WideWindow of(boolean anchored, long start, long requests, long tokens, int inFlight) {
        return new WideWindow(anchored, start, requests, tokens, inFlight, false, false);
    }

    /** The window a decision leaves behind. */
    static WideWindow after(LimitDecision d) {
        return of(d.nextAnchored, d.nextStart, d.nextRequests, d.nextTokens, d.nextInFlight);
    }

    WideWindow withTokens(long t) {
        return of(anchored, start, requests, t, inFlight);
    }

    WideWindow withInFlight(int n) {
        return of(anchored, start, requests, tokens, n);
    }

    WideWindow frozenCopy() {
        return new WideWindow(anchored, start, requests, tokens, inFlight, true, false);
    }
}
