package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code jtokkit-registry.tokens}: JTokkit's {@code EncodingFactory} methods that build an encoding
 * from its rank file ({@code cl100kBase()}, {@code o200kBase()}, ...), called by every new registry. {@link #enter}
 * answers null (run the original, nothing after it), an encoding built before (skip the original, return it), or
 * a {@link PendingCall} (run the original, then {@link #exit}). The factory class and the encodings are passed as
 * {@code Object}: this class names no JTokkit type. Without an installed {@link Handle}, every call runs the
 * original.
 */
public final class JTokkitRegistryBridge {

    /** The isolated part's side: decides, remembers, reports. Implementations never throw. */
    public interface Handle {
        /** Null, an encoding to return, or a {@link PendingCall}. */
        Object enter(Class<?> factory, String method);

        /** The encoding to return after the original built {@code built}. */
        Object exit(PendingCall call, Object built);
    }

    private static volatile Handle handle;

    private JTokkitRegistryBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    /** The state of a call of the factory method {@code method}; null when nothing is installed. */
    public static Object enter(Class<?> factory, String method) {
        Handle h = handle;
        return h == null ? null : h.enter(factory, method);
    }

    /** True when {@code call} is an encoding built before: the original body is skipped. */
    public static boolean answered(Object call) {
        return call != null && !(call instanceof PendingCall);
    }

    /** What the factory method returns. */
    public static Object exit(Object call, Object built) {
        if (call == null) {
            return built;
        }
        if (!(call instanceof PendingCall)) {
            return call;
        }
        Handle h = handle;
        return h == null ? built : h.exit((PendingCall) call, built);
    }
}
