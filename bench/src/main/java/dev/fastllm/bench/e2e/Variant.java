package dev.fastllm.bench.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One way to run the gateway: without the agent, with it (every point on, every point off, or one point alone), as
 * the environment flags of {@code shared/DESIGN.md} set them.
 *
 * @param name  short name used in tables and charts
 * @param agent whether {@code -javaagent:fast-llm-agent.jar} is on the command line
 * @param env   flag variables, e.g. {@code FAST_LLM_GATEWAY_ROUTING=off}
 */
public record Variant(String name, boolean agent, Map<String, String> env) {

    public static final Variant NO_AGENT = new Variant("no agent", false, Map.of());
    public static final Variant AGENT_ON = new Variant("agent, all on", true, Map.of());
    /**
     * The plain gateway once more, after every agent variant of the main matrix: the two no-agent runs, first and
     * last, show how far the machine drifted, and ratios are taken against the better of the two.
     */
    public static final Variant NO_AGENT_AGAIN = new Variant("no agent, again", false, Map.of());

    /** Whether this is one of the two no-agent runs. */
    public boolean baseline() {
        return !agent;
    }

    /** Every point in {@code points} off: the rewritten methods ask their flag and run their original bodies. */
    public static Variant allOff(List<String> points) {
        Map<String, String> env = new LinkedHashMap<>();
        points.forEach(p -> env.put(AgentPoints.envName(p), "off"));
        return new Variant("agent, all off", true, env);
    }

    /** Whether this is one point on and the others off (see {@link #alone}). */
    public boolean onePoint() {
        return name.startsWith("only ");
    }

    /** {@code point} on and every other of {@code points} off. */
    public static Variant alone(String point, List<String> points) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String p : points) {
            if (!p.equals(point)) {
                env.put(AgentPoints.envName(p), "off");
            }
        }
        return new Variant("only " + point, true, env);
    }

    /** The agent variants measured after discovery: all on is measured first (it discovers), then these. */
    public static List<Variant> afterDiscovery(List<String> applied, List<String> allNames) {
        List<Variant> out = new ArrayList<>();
        if (applied.size() > 1) {
            for (String p : applied) {
                out.add(alone(p, allNames));
            }
        }
        out.add(allOff(allNames));
        return out;
    }
}
