package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code gateway.tokens}: the demo gateway's
 * {@code PromptTokenCounter.countText(String encodingName, String text)} (an {@code int}). The enter advice
 * calls {@link #enter} and skips the original body when {@link #answered}; the exit advice returns
 * {@link #exit}'s value. Without an installed {@link Handle}, every call runs the original.
 */
public final class GatewayTokensBridge {

    /** The isolated part's side: decides, runs the fast path, reports. Implementations never throw. */
    public interface Handle {
        /** A {@link CallState} for this call. */
        long enter(String encodingName, String text);

        /** The answer to return, after the original ran (called only for a non-zero call state). */
        int exit(long call, long startNanos, int originalAnswer);
    }

    private static volatile Handle handle;

    private GatewayTokensBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    /** The call's state: see {@link CallState}. Zero when nothing is installed. */
    public static long enter(String encodingName, String text) {
        Handle h = handle;
        return h == null ? 0L : h.enter(encodingName, text);
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
