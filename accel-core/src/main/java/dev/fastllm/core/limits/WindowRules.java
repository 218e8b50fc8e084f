package dev.fastllm.core.limits;

/**
 * The semantics of one key's fixed window, as pure functions of its numbers: when a window rolls, which limit
 * refuses, what a decision reports and what it takes. Kept apart from the storage so that the compact and
 * the wide representation of a window obey one rule book.
 *
 * <p>A window is {@code (anchored, start, requests, tokens, inFlight)}. It is live while
 * {@code now - start < WINDOW_MILLIS}; a request at exactly {@code start + WINDOW_MILLIS} anchors a new one.
 * Checks run in the order requests, tokens, parallel; a refusal takes nothing (but a roll it caused stays);
 * tokens add with saturation at {@link Long#MAX_VALUE} and never go below zero.
 */
final class WindowRules {
    static final long WINDOW_MILLIS = 60_000;
    static final long PARALLEL_RETRY_AFTER_MILLIS = 1_000;

    private WindowRules() {
    }

    /** Checks and, if every limit passes, takes one request, {@code reserve} tokens and one slot. */
    static void acquire(LimitDecision d, boolean anchored, long start, long requests, long tokens, int inFlight,
                        long rpm, long tpm, int maxParallel, long reserve, long now) {
        boolean rolled = !anchored || now - start >= WINDOW_MILLIS;
        if (rolled) {
            start = now;
            requests = 0;
            tokens = 0;
        }
        RefusedBy refused = RefusedBy.NONE;
        if (requests >= rpm) {
            refused = RefusedBy.REQUESTS;
        } else if (reserve > tpm - tokens) {
            refused = RefusedBy.TOKENS;
        } else if (inFlight >= maxParallel) {
            refused = RefusedBy.PARALLEL;
        }
        boolean admitted = refused == RefusedBy.NONE;
        if (admitted) {
            requests++;
            tokens = saturatedAdd(tokens, reserve);
            inFlight++;
        }
        d.allowed = admitted;
        d.refusedBy = refused;
        d.retryAfterMillis = retryAfter(refused, start, now);
        report(d, rpm, requests, tpm, tokens);
        d.nextAnchored = true;
        d.nextStart = start;
        d.nextRequests = requests;
        d.nextTokens = tokens;
        d.nextInFlight = inFlight;
        d.changed = rolled || admitted;
    }

    /**
     * The answer {@link #acquire} gives for an admission into a live window, from the counts after it (the
     * limiter's short path, which updates the compact word itself).
     */
    static void admitted(LimitDecision d, long rpm, long requests, long tpm, long tokens) {
        d.allowed = true;
        d.refusedBy = RefusedBy.NONE;
        d.retryAfterMillis = 0;
        report(d, rpm, requests, tpm, tokens);
    }

    /** The standing of an existing window without taking anything, as if a request reserving 0 tokens came. */
    static void peek(LimitDecision d, boolean anchored, long start, long requests, long tokens, int inFlight,
                     long rpm, long tpm, int maxParallel, long now) {
        boolean expired = !anchored || now - start >= WINDOW_MILLIS;
        long usedRequests = expired ? 0 : requests;
        long usedTokens = expired ? 0 : tokens;
        RefusedBy refused = RefusedBy.NONE;
        if (usedRequests >= rpm) {
            refused = RefusedBy.REQUESTS;
        } else if (usedTokens > tpm) {
            refused = RefusedBy.TOKENS;
        } else if (inFlight >= maxParallel) {
            refused = RefusedBy.PARALLEL;
        }
        d.allowed = refused == RefusedBy.NONE;
        d.refusedBy = refused;
        // an unanchored window only exists after a normalisation of an expired one: its time to end is over
        d.retryAfterMillis = anchored ? retryAfter(refused, start, now) : refused == RefusedBy.NONE ? 0
                : refused == RefusedBy.PARALLEL ? PARALLEL_RETRY_AFTER_MILLIS : 1;
        report(d, rpm, usedRequests, tpm, usedTokens);
        d.changed = false;
    }

    /** The standing of a key with no state: everything left. */
    static void peekUnseen(LimitDecision d, long rpm, long tpm) {
        d.allowed = true;
        d.refusedBy = RefusedBy.NONE;
        d.retryAfterMillis = 0;
        d.limitRequests = rpm;
        d.remainingRequests = rpm;
        d.limitTokens = tpm;
        d.remainingTokens = tpm;
        d.changed = false;
    }

    /**
     * The tokens after a reconcile, or -1 when it changes nothing: the window is not the one the request was
     * admitted in (it expired, or it started after {@code acquiredAt}).
     */
    static long reconciledTokens(boolean anchored, long start, long tokens, long reserved, long actual,
                                 long acquiredAt, long now) {
        if (!anchored || acquiredAt < start || now - start >= WINDOW_MILLIS) {
            return -1;
        }
        long next = Math.max(0, saturatedAdd(tokens, actual - reserved));
        return next == tokens ? -1 : next;
    }

    /** True when the window is anchored and not over at {@code now}. */
    static boolean current(boolean anchored, long start, long now) {
        return anchored && now - start < WINDOW_MILLIS;
    }

    /** True when the window may be dropped: expired (or never anchored) and holding no slot. */
    static boolean idle(boolean anchored, long start, int inFlight, long now) {
        return inFlight == 0 && (!anchored || now - start >= WINDOW_MILLIS);
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return r;
    }

    private static long retryAfter(RefusedBy refused, long start, long now) {
        return switch (refused) {
            case NONE -> 0;
            case PARALLEL -> PARALLEL_RETRY_AFTER_MILLIS;
            default -> Math.max(1, start + WINDOW_MILLIS - now);
        };
    }

    private static void report(LimitDecision d, long rpm, long requests, long tpm, long tokens) {
        d.limitRequests = rpm;
        d.remainingRequests = Math.max(0, rpm - requests);
        d.limitTokens = tpm;
        d.remainingTokens = Math.max(0, tpm - tokens);
    }
}
