package dev.fastllm.agent;

import dev.fastllm.agent.gateway.GatewayLimiterInstrumentation;
import dev.fastllm.agent.gateway.GatewayPoolInstrumentation;
import dev.fastllm.agent.gateway.GatewayRoutingInstrumentation;
import dev.fastllm.agent.gateway.GatewayTokensInstrumentation;
import dev.fastllm.agent.jtokkit.JTokkitRegistryInstrumentation;
import dev.fastllm.agent.jtokkit.JTokkitTokensInstrumentation;
import dev.fastllm.agent.langchain4j.LangChain4jTokensInstrumentation;

import java.util.ArrayList;
import java.util.List;

/**
 * Every point this agent can rewrite, one entry per point, grouped by target package. A new point is one
 * more line here (see docs/ARCHITECTURE.md, "How a point is added").
 */
public final class Instrumentations {

    private Instrumentations() {
    }

    public static List<PointInstrumentation> all() {
        List<PointInstrumentation> all = new ArrayList<>();
        // demo-gateway (dev.fastllm.agent.gateway)
        all.add(new GatewayTokensInstrumentation());
        all.add(new GatewayLimiterInstrumentation());
        all.add(new GatewayRoutingInstrumentation());
        all.add(new GatewayPoolInstrumentation());
        // JTokkit (dev.fastllm.agent.jtokkit)
        all.add(new JTokkitTokensInstrumentation());
        all.add(new JTokkitRegistryInstrumentation());
        // LangChain4j (dev.fastllm.agent.langchain4j)
        all.add(new LangChain4jTokensInstrumentation());
        return all;
    }
}
