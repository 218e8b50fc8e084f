package dev.fastllm.gateway.proxy;

/**
 * The OpenAI APIs the gateway relays, and what differs between them on the wire: the upstream path, whether
 * a stream ends with {@code data: [DONE]}, and where a stream carries its usage.
 */
enum Endpoint {
    /** {@code /v1/chat/completions}: chunks, usage in a last chunk when asked for, then {@code data: [DONE]}. */
    CHAT("/chat/completions"),
    /** {@code /v1/embeddings}: never streamed. */
    EMBEDDINGS("/embeddings"),
    /** {@code /v1/responses}: typed events; usage in {@code response.completed}; no {@code [DONE]}. */
    RESPONSES("/responses");

    /** Path appended to the deployment's {@code api_base}. */
    final String upstreamPath;
    Endpoint(String upstreamPath) {
        this.upstreamPath = upstreamPath;
    }
}
