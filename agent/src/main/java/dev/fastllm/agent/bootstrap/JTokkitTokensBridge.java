package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code jtokkit.tokens}: the counting, encoding and decoding methods of JTokkit's
 * {@code GptBytePairEncoding} (the class of every encoding JTokkit builds). Counts travel as a {@link CallState} {@code long}, as in
 * {@link GatewayTokensBridge}; methods returning an object get from {@link #call} null (run the original, nothing
 * to do after it), the fast answer itself (skip the original, return it), or a {@link PendingCall} (run the
 * original, then {@link #exit}). The encoding instance and JTokkit's own lists are passed as {@code Object}:
 * this class names no JTokkit type. Without an installed {@link Handle}, every call runs the original.
 */
public final class JTokkitTokensBridge {

    /** {@code EncodingResult encode(String, int)}, which {@code encode(String)} calls. */
    public static final int ENCODE = 0;
    /** {@code EncodingResult encodeOrdinary(String, int)}, which {@code encodeOrdinary(String)} calls. */
    public static final int ENCODE_ORDINARY = 1;
    /** {@code byte[] decodeBytes(IntArrayList)}, which {@code decode} calls. */
    public static final int DECODE_BYTES = 2;

    /** The isolated part's side: decides, runs the fast path, reports. Implementations never throw. */
    public interface Handle {
        /** A {@link CallState} for {@code countTokens} ({@code ordinary} false) or {@code countTokensOrdinary}. */
        long count(Object encoding, String text, boolean ordinary);

        /** The count to return, after the original ran (called only for a non-zero call state). */
        int countExit(long call, long startNanos, int originalAnswer);

        /** Null, a fast answer of the method's return type, or a {@link PendingCall}. */
        Object call(int method, Object encoding, String text, int maxTokens, Object tokens);

        /** The answer to return after the original ran: always {@code originalAnswer}. */
        Object exit(PendingCall call, Object originalAnswer);
    }

    private static volatile Handle handle;

    private JTokkitTokensBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    /** The call's state for a count: see {@link CallState}. Zero when nothing is installed. */
    public static long count(Object encoding, String text, boolean ordinary) {
        Handle h = handle;
        return h == null ? 0L : h.count(encoding, text, ordinary);
    }

    /** True when the fast path answered the count and the original body is skipped. */
    public static boolean answered(long call) {
        return (call & CallState.ANSWERED) != 0;
    }

    /** The clock reading for the original's sampled latency, or 0 (no clock read) when not sampled. */
    public static long originalStart(long call) {
        return (call & ((long) CallState.TIMED << 32)) != 0 && (call & CallState.ANSWERED) == 0 ? System.nanoTime() : 0L;
    }

    /** The count the rewritten method returns: the fast answer, or the original's (compared in shadow). */
    public static int countExit(long call, long startNanos, int originalAnswer) {
        if ((call & CallState.ANSWERED) != 0) {
            return (int) call;
        }
        Handle h = handle;
        return call == 0L || h == null ? originalAnswer : h.countExit(call, startNanos, originalAnswer);
    }

    /** The state of a call to one of the object-returning methods; null when nothing is installed. */
    public static Object call(int method, Object encoding, String text, int maxTokens, Object tokens) {
        Handle h = handle;
        return h == null ? null : h.call(method, encoding, text, maxTokens, tokens);
    }

    /** True when {@code call} is a fast answer: the original body is skipped. */
    public static boolean answered(Object call) {
        return call != null && !(call instanceof PendingCall);
    }

    /** What the rewritten method returns: the fast answer, or the original's. */
    public static Object exit(Object call, Object originalAnswer) {
        if (call == null) {
            return originalAnswer;
        }
        if (!(call instanceof PendingCall)) {
            return call;
        }
        Handle h = handle;
        return h == null ? originalAnswer : h.exit((PendingCall) call, originalAnswer);
    }
}
