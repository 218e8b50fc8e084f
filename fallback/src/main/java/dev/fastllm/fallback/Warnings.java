package dev.fastllm.fallback;

/**
 * Where configuration warnings go. The default writes one line to {@code System.err} prefixed with
 * {@code [fast-llm]}; it does not touch {@code java.util.logging}, which an agent must not initialise
 * before the application configures it. Implementations must not throw.
 */
public interface Warnings {

    void warn(String message);

    /** Drops every warning (benchmarks; tests use a recording sink instead). */
    Warnings NONE = new Discard();

    /** Writes to standard error. */
    Warnings STDERR = new StderrWarnings();

    /** The default sink. */
    final class StderrWarnings implements Warnings {
        private StderrWarnings() {
        }

        @Override
        public void warn(String message) {
            try {
                System.err.println("[fast-llm] WARNING " + message);
            } catch (Throwable ignored) {
                // never let a warning hurt the application
            }
        }
    }

    /** Drops warnings. */
    final class Discard implements Warnings {
        private Discard() {
        }

        @Override
        public void warn(String message) {
        }
    }
}
