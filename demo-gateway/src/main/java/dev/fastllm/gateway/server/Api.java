package dev.fastllm.gateway.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fastllm.gateway.config.VirtualKey;

/** What the HTTP layer serves; implemented by the gateway's request path. */
public interface Api {

    /** {@code POST /v1/chat/completions}: answers through {@code call}, possibly later, possibly streaming. */
    void chatCompletions(HttpCall call, VirtualKey key);

    /** {@code POST /v1/embeddings}. */
    void embeddings(HttpCall call, VirtualKey key);

    /** {@code POST /v1/responses}: OpenAI's Responses API, relayed like chat completions. */
    void responses(HttpCall call, VirtualKey key);

    /** {@code GET /v1/models}: the model groups {@code key} may call. */
    JsonNode models(VirtualKey key);

    /** Prometheus text exposition of the gateway's metrics. */
    String metrics();

    /** Records one finished request (status, duration) for metrics. */
    void requestEnded(HttpCall call);
}
