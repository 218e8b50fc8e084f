package dev.fastllm.core.pool;

/** Fails an acquire when every connection is in use and the wait queue is full. No stack trace: it is an answer, not a bug. */
public final class PoolExhaustedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolExhaustedException(String message) {
        super(message, null, false, false);
    }
}
