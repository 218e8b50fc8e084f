package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads a provider's {@code usage} object, in the chat form or the Responses form. */
final class Usage {

    private Usage() {
    }

    /**
     * Total tokens of a {@code usage} object: {@code total_tokens}, else prompt plus completion tokens
     * (chat and embeddings), else input plus output tokens (Responses); -1 when {@code usage} is absent.
     */
    static long total(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return -1;
        }
        if (usage.hasNonNull("total_tokens")) {
            return usage.get("total_tokens").asLong();
        }
        if (usage.has("input_tokens") || usage.has("output_tokens")) {
            return usage.path("input_tokens").asLong(0) + usage.path("output_tokens").asLong(0);
        }
        return usage.path("prompt_tokens").asLong(0) + usage.path("completion_tokens").asLong(0);
    }
}
