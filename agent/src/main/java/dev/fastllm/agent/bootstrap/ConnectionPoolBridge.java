package dev.fastllm.agent.bootstrap;

/**
 * Bridge of point {@code gateway.connection-pool}: every method of the demo gateway's
 * {@code ConnectionPool} that reads or writes its state. Each pool instance ({@code self}) may get a fast
 * twin; a connection goes back to the implementation that leased it, so {@link #release} asks the twin first
 * whatever the flag says. Maintenance calls ({@link #evictIdle}, {@link #purgeUnusable}, {@link #stats},
 * {@link #closed}) act on the twin, if there is one, beside the original body, which always runs. Without an
 * installed {@link Handle}, or while it says {@link Handle#originalOnly()}, every call runs the original alone.
 */
public final class ConnectionPoolBridge {

    /** The isolated part's side. Only {@link #acquire} may decline; see each method. */
    public interface Handle {
        /**
         * True while every call may run the original alone with nothing to do beside it: the point is off and
         * no pool has a twin (so no lease, idle connection or waiter is anywhere else). Read on every call.
         */
        boolean originalOnly();

        /** The twin's answer to {@code acquire()} (a {@code CompletableFuture}), or null: the original answers. Never throws. */
        Object acquire(Object pool, String name);

        /** True when the twin had leased {@code connection} out and took it back; false: the original takes it. */
        boolean release(Object pool, Object connection, boolean reusable);

        /** Connections the twin evicted (0 without a twin). */
        int evictIdle(Object pool);

        void purgeUnusable(Object pool);

        /**
         * The original's counts plus the twin's, in a per-thread array {leased, idle, connecting, pending,
         * opened, closed}, or null without a twin.
         */
        long[] stats(Object pool, int leased, int idle, int connecting, int pending, long opened, long closed);

        /** The original was closed: close the twin too. */
        void closed(Object pool);
    }

    /**
     * The three calls of a pool's connector, the connector passed in: implemented by a class the agent
     * generates next to the pool's class (direct calls the JIT inlines), so that the isolated twin calls the
     * application's connector without naming its type.
     */
    public interface ConnectorCalls {
        java.util.concurrent.CompletableFuture<?> connect(Object connector);

        boolean isUsable(Object connector, Object connection);

        void close(Object connector, Object connection);
    }

    private static volatile Handle handle;

    private ConnectionPoolBridge() {
    }

    /** Installed once by the agent at start. */
    public static void install(Handle h) {
        handle = h;
    }

    public static Object acquire(Object pool, String name) {
        Handle h = handle;
        return h == null || h.originalOnly() ? null : h.acquire(pool, name);
    }

    public static boolean release(Object pool, Object connection, boolean reusable) {
        Handle h = handle;
        return h != null && !h.originalOnly() && h.release(pool, connection, reusable);
    }

    public static int evictIdle(Object pool) {
        Handle h = handle;
        return h == null || h.originalOnly() ? 0 : h.evictIdle(pool);
    }

    public static void purgeUnusable(Object pool) {
        Handle h = handle;
        if (h != null && !h.originalOnly()) {
            h.purgeUnusable(pool);
        }
    }

    public static long[] stats(Object pool, int leased, int idle, int connecting, int pending, long opened, long closed) {
        Handle h = handle;
        return h == null || h.originalOnly() ? null : h.stats(pool, leased, idle, connecting, pending, opened, closed);
    }

    public static void closed(Object pool) {
        Handle h = handle;
        if (h != null && !h.originalOnly()) {
            h.closed(pool);
        }
    }
}
