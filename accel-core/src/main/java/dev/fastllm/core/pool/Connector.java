package dev.fastllm.core.pool;

import java.util.concurrent.CompletableFuture;

/**
 * What a {@link FastPool} needs from the world to open, check and close connections: the same three
 * callbacks as the gateway's pool, so that a twin can be built over an existing pool's own connector.
 *
 * @param <C> the connection type
 */
public interface Connector<C> {

    /** Opens a new connection; the future fails if it cannot be opened. */
    CompletableFuture<C> connect();

    /** True while the connection is open and may carry another request. */
    boolean isUsable(C connection);

    /** Closes the connection; must not throw. */
    void close(C connection);
}
