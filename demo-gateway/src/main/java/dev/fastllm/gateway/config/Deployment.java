package dev.fastllm.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One upstream deployment: an entry of {@code model_list}. Entries sharing a {@link #group()} (LiteLLM's
 * {@code model_name}) form one load-balanced model group.
 *
 * @param group            the model group clients ask for ({@code model_name})
 * @param id               unique id ({@code model_info.id}, else generated as {@code group-index})
 * @param provider         provider prefix of {@code litellm_params.model} ({@code openai} when absent)
 * @param upstreamModel    model name sent upstream ({@code litellm_params.model} without its provider prefix)
 * @param apiBase          base URI ending before {@code /chat/completions}, e.g. {@code http://127.0.0.1:8080/v1};
 *                         {@code null} until the embedded mock's address is bound (see {@link #embeddedMock()})
 * @param embeddedMock     true when {@code api_base} is {@code embedded:mock}: served by the in-process mock provider
 * @param apiKey           upstream key, already resolved from {@code os.environ/VAR}; may be null
 * @param rpm              deployment requests-per-minute capacity, if set
 * @param tpm              deployment tokens-per-minute capacity, if set
 * @param weight           simple-shuffle weight, if set
 * @param timeout          upstream timeout for one attempt
 * @param maxParallelRequests concurrent requests this deployment accepts, also the size of its connection pool
 * @param maxInputTokens   prompt token limit ({@code model_info.max_input_tokens}), if set
 */
public record Deployment(
        String group,
        String id,
        String provider,
        String upstreamModel,
        URI apiBase,
        boolean embeddedMock,
        String apiKey,
        OptionalLong rpm,
        OptionalLong tpm,
        OptionalLong weight,
        Duration timeout,
        int maxParallelRequests,
        OptionalInt maxInputTokens) {

    /** A copy pointing at {@code base}: used to bind {@code embedded:mock} deployments at start. */
    public Deployment withApiBase(URI base) {
        return new Deployment(group, id, provider, upstreamModel, base, embeddedMock, apiKey, rpm, tpm, weight,
                timeout, maxParallelRequests, maxInputTokens);
    }

    @Override
    public String toString() {
        // never print the key
        return "Deployment[" + group + " id=" + id + " model=" + provider + "/" + upstreamModel + " base=" + apiBase + "]";
    }
}
