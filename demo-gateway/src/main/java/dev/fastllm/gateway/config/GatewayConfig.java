package dev.fastllm.gateway.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole gateway configuration, validated. Built by {@link ConfigLoader} from a LiteLLM-style
 * {@code config.yaml}.
 *
 * @param deployments  every deployment, in file order
 * @param router       routing, retry and fallback settings
 * @param masterKey    the admin key (reaches every group, no limits); may be null: then only virtual keys work,
 *                     and with no virtual keys either, auth is off
 * @param virtualKeys  client keys with limits
 * @param server       gateway-level settings of ours ({@code gateway_settings})
 * @param warnings     one line per unknown key or ignored value, for the operator
 */
public record GatewayConfig(
        List<Deployment> deployments,
        RouterSettings router,
        String masterKey,
        List<VirtualKey> virtualKeys,
        ServerSettings server,
        List<String> warnings) {

    /** Deployments by model group, in file order. */
    public Map<String, List<Deployment>> groups() {
        Map<String, List<Deployment>> groups = new LinkedHashMap<>();
        for (Deployment d : deployments) {
            groups.computeIfAbsent(d.group(), g -> new java.util.ArrayList<>()).add(d);
        }
        groups.replaceAll((g, list) -> List.copyOf(list));
        return groups;
    }

    public boolean authEnabled() {
        return masterKey != null || !virtualKeys.isEmpty();
    }

    @Override
    public String toString() {
        return "GatewayConfig[" + deployments.size() + " deployments, " + virtualKeys.size() + " virtual keys]";
    }
}
