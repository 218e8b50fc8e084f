package dev.fastllm.core.pool;

/** Fails an acquire, or a waiting request, once the pool is closed. No stack trace: it is an answer, not a bug. */
public final class PoolClosedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PoolClosedException(String message) {
        super(message, null, false, false);
    }
}
