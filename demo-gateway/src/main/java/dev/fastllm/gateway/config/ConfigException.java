package dev.fastllm.gateway.config;

/** A configuration that cannot be served; the message names the offending field, e.g. {@code model_list[2].litellm_params.rpm}. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
