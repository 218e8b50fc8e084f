package dev.fastllm.gateway.config;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A client key with its own limits ({@code virtual_keys}). LiteLLM keeps these in a database; here they
 * are configuration.
 *
 * @param key                 the bearer secret; never logged
 * @param alias               a printable name for logs and metrics ({@code key_alias}, else a hash prefix)
 * @param rpmLimit            requests per 60 s window, if limited
 * @param tpmLimit            tokens per 60 s window, if limited
 * @param maxParallelRequests requests in flight at once, if limited
 * @param models              model groups this key may call; empty means all
 */
public record VirtualKey(
        String key,
        String alias,
        OptionalLong rpmLimit,
        OptionalLong tpmLimit,
        OptionalInt maxParallelRequests,
        Set<String> models) {

    public boolean allows(String group) {
        return models.isEmpty() || models.contains(group);
    }

    public boolean limited() {
        return rpmLimit.isPresent() || tpmLimit.isPresent() || maxParallelRequests.isPresent();
    }

    @Override
    public String toString() {
        return "VirtualKey[" + alias + "]";
    }
}
