package dev.fastllm.core.pool;

/**
 * Builds the exceptions a {@link FastPool} fails futures with, so that a twin can fail them with the very
 * types its original uses. {@link #DEFAULT} builds this package's own.
 */
public interface Refusals {

    /** The pool's connections are all in use and its wait queue is full. */
    RuntimeException exhausted(String message);

    /** The pool is closed. */
    RuntimeException closed(String message);

    /** {@link PoolExhaustedException} and {@link PoolClosedException}. */
    Refusals DEFAULT = new Refusals() {
        @Override
        public RuntimeException exhausted(String message) {
            return new PoolExhaustedException(message);
        }

        @Override
        public RuntimeException closed(String message) {
            return new PoolClosedException(message);
        }
    };
}
