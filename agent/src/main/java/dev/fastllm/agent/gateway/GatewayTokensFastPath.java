package dev.fastllm.agent.gateway;

import dev.fastllm.agent.IntCalls;
import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.agent.bootstrap.GatewayTokensBridge;
import dev.fastllm.core.tokens.TokenCounter;
import dev.fastllm.fallback.Point;

/**
 * The fast path of {@code gateway.tokens}: accel-core's {@link TokenCounter}, exact to JTokkit's
 * {@code countTokensOrdinary}, for the two encodings it knows ({@code o200k_base}, {@code cl100k_base}); any
 * other encoding name declines and the original answers. Texts of at least {@link #MEMO_MIN_CHARS} chars are
 * remembered whole (a chat history is resent, and recounted, on every turn); shorter ones are counted, which
 * is cheaper than a lookup. Null or empty text is 0, as in the original, whatever the encoding name.
 *
 * <p>Follows fallback's explicit dispatch: decide, run, report; a Throwable of the fast path becomes a
 * fallback to the original on the same call. Never throws to the bridge.
 */
final class GatewayTokensFastPath implements GatewayTokensBridge.Handle {

    /** Texts this long or longer are memoised (below it, counting costs less than hashing and looking up). */
    static final int MEMO_MIN_CHARS = 512;
    /** Chars of text each encoding's memo holds at most (2 bytes a char, plus the cache's own entries). */
    static final long MEMO_MAX_CHARS = 2_000_000;

    static final String O200K_BASE = "o200k_base";
    static final String CL100K_BASE = "cl100k_base";

    private final Point point;

    GatewayTokensFastPath(Point point) {
        this.point = point;
    }

    /** Holders: each created on first use, so what a process never counts costs it nothing. */
    private static final class O200k {
        static final TokenCounter COUNTER = TokenCounter.of(O200K_BASE);
    }

    private static final class O200kMemo {
        static final TokenCounter MEMO = TokenCounter.memoizing(O200k.COUNTER, MEMO_MAX_CHARS);
    }

    private static final class Cl100k {
        static final TokenCounter COUNTER = TokenCounter.of(CL100K_BASE);
    }

    private static final class Cl100kMemo {
        static final TokenCounter MEMO = TokenCounter.memoizing(Cl100k.COUNTER, MEMO_MAX_CHARS);
    }

    @Override
    public long enter(String encodingName, String text) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return CallState.original(d);
        }
        long t0 = IntCalls.start(point, d);
        try {
            point.injectFault();
            return IntCalls.computed(point, d, t0, count(encodingName, text));
        } catch (Throwable t) {
            return IntCalls.failed(point, d, t);
        }
    }

    @Override
    public int exit(long call, long startNanos, int originalAnswer) {
        return IntCalls.originalDone(point, call, startNanos, originalAnswer);
    }

    /** The exact count, or {@link Point#DECLINE_INT} for an encoding accel-core does not have. */
    static int count(String encodingName, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        boolean memo = text.length() >= MEMO_MIN_CHARS;
        if (O200K_BASE.equals(encodingName)) {
            return (memo ? O200kMemo.MEMO : O200k.COUNTER).count(text);
        }
        if (CL100K_BASE.equals(encodingName)) {
            return (memo ? Cl100kMemo.MEMO : Cl100k.COUNTER).count(text);
        }
        return Point.DECLINE_INT;
    }
}
