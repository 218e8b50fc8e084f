package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code langchain4j.tokens}: LangChain4j's {@code OpenAiTokenCountEstimator} methods
 * {@code estimateTokenCountInText(String)}, {@code estimateTokenCountInMessage(ChatMessage)} and
 * {@code estimateTokenCountInMessages(Iterable)}, each an {@code int}. Counts travel as a {@link CallState}
 * {@code long}, as in {@link GatewayTokensBridge}. The estimator, the message and the messages are passed as
 * {@code Object}: this class names no LangChain4j type. Without an installed {@link Handle}, every call runs the
 * original.
 */
public final class LangChain4jTokensBridge {

    /** {@code int estimateTokenCountInText(String)}. */
    public static final int TEXT = 0;
    /** {@code int estimateTokenCountInMessage(ChatMessage)}. */
    public static final int MESSAGE = 1;
    /** {@code int estimateTokenCountInMessages(Iterable<ChatMessage>)}. */
    public static final int MESSAGES = 2;

    /** The isolated part's side: decides, runs the fast path, reports. Implementations never throw. */
    public interface Handle {
        /** A {@link CallState} for a call of {@code method} on {@code estimator} with its one argument. */
        long enter(int method, Object estimator, Object argument);

        /** The count to return, after the original ran (called only for a non-zero call state). */
        int exit(long call, long startNanos, int originalAnswer);
    }

    private static volatile Handle handle;

    private LangChain4jTokensBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    /** The call's state: see {@link CallState}. Zero when nothing is installed. */
    public static long enter(int method, Object estimator, Object argument) {
        Handle h = handle;
        return h == null ? 0L : h.enter(method, estimator, argument);
    }

    /** True when the fast path answered and the original body is skipped. */
    public static boolean answered(long call) {
        return (call & CallState.ANSWERED) != 0;
    }

    /** The clock reading for the original's sampled latency, or 0 (no clock read) when not sampled. */
    public static long originalStart(long call) {
        return (call & ((long) CallState.TIMED << 32)) != 0 && (call & CallState.ANSWERED) == 0 ? System.nanoTime() : 0L;
    }

    /** What the rewritten method returns: the fast answer, or the original's (compared in shadow). */
    public static int exit(long call, long startNanos, int originalAnswer) {
        if ((call & CallState.ANSWERED) != 0) {
            return (int) call;
        }
        Handle h = handle;
        return call == 0L || h == null ? originalAnswer : h.exit(call, startNanos, originalAnswer);
    }
}
