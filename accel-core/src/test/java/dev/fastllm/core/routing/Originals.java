package dev.fastllm.core.routing;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.RouterSettings;
import dev.fastllm.gateway.routing.Router;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Builds the gateway's router and the twin from one description of a group, as a -javaagent would. */
final class Originals {

    private Originals() {
    }

    /** One group: ids, and limits and weights with {@link FastRouter#UNSET} where not set. */
    record Spec(String group, String[] ids, long[] rpm, long[] tpm, long[] weight) {
        List<Deployment> deployments() {
            List<Deployment> out = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                out.add(new Deployment(group, ids[i], "openai", "m", URI.create("http://127.0.0.1:1/v1"), false, null,
                        opt(rpm[i]), opt(tpm[i]), opt(weight[i]), Duration.ofSeconds(30), 10, OptionalInt.empty()));
            }
            return out;
        }
    }

    static OptionalLong opt(long v) {
        return v == FastRouter.UNSET ? OptionalLong.empty() : OptionalLong.of(v);
    }

    static Router original(String strategy, int allowedFails, long cooldownSeconds, long seed, Spec spec) {
        RouterSettings settings = new RouterSettings(strategy, 0, Map.of(), allowedFails,
                Duration.ofSeconds(cooldownSeconds), Duration.ofSeconds(600));
        return new Router(Map.of(spec.group(), spec.deployments()), settings, seed);
    }

    static FastRouter twin(String strategy, int allowedFails, long cooldownSeconds, Long seed, Spec spec) {
        return twin(strategy, allowedFails, cooldownSeconds, seed, spec, false);
    }

    /** @param onHeapLines side-by-side usage words on the heap, as when no direct buffer can be had */
    static FastRouter twin(String strategy, int allowedFails, long cooldownSeconds, Long seed, Spec spec,
                           boolean onHeapLines) {
        FastRouter.Builder b = FastRouter.builder(strategy, allowedFails, cooldownSeconds * 1000);
        if (seed != null) {
            b.seed(seed);
        }
        if (onHeapLines) {
            b.onHeapLines();
        }
        return b.group(spec.group(), spec.ids(), spec.rpm(), spec.tpm(), spec.weight()).build();
    }
}
