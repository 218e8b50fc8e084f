package dev.fastllm.agent.bootstrap;

/**
 * One agent per JVM. Loaded by the bootstrap class loader, so a second {@code -javaagent} or an attach to
 * a JVM that already runs the agent finds the first one's claim, whichever class loader it starts from.
 */
public final class AgentGuard {

    private static boolean claimed;

    private AgentGuard() {
    }

    /** True the first time in this JVM, false afterwards. */
    public static synchronized boolean claim() {
        if (claimed) {
            return false;
        }
        claimed = true;
        return true;
    }
}
