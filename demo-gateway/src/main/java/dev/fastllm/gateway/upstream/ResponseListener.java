package dev.fastllm.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one upstream response as it arrives. Every method runs on the upstream channel's event loop.
 * Exactly one of {@link #onComplete()} or {@link #onError} ends the exchange.
 */
public interface ResponseListener {

    /** Status line and headers. */
    void onHead(HttpResponse head);

    /** A piece of the body; valid only during the call (retain or copy it to keep it). */
    void onContent(ByteBuf content);

    /** The body ended. */
    void onComplete();

    /**
     * The exchange failed: connection refused or reset, timeout, or the pool could not lease a connection.
     *
     * @param headReceived whether {@link #onHead} was already called (bytes may have reached the client)
     */
    void onError(Throwable error, boolean headReceived);
}
