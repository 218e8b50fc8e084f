package dev.fastllm.bench.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent's instrumentation points as its start lines name them ({@code [fast-llm] gateway.tokens: on (default),
 * ..., applied to Class#method}), so the runner measures each point alone without a list to keep in step with the
 * agent: a point added to the agent shows up in the report on the next run.
 */
public final class AgentPoints {

    /**
     * The points that can rewrite something in the gateway's process; each is flagged off in the "other points off"
     * variants even if absent. The JTokkit points are here because the gateway jar carries JTokkit itself: its
     * classes load at the first count, after the start lines this runner reads, and, left on, they would speed up
     * the "off" variants' original token counting.
     */
    public static final List<String> KNOWN = List.of("gateway.tokens", "gateway.rate-limiter",
            "gateway.connection-pool", "gateway.routing", "jtokkit.tokens", "jtokkit-registry.tokens");

    private static final Pattern LINE = Pattern.compile("^\\[fast-llm] ([a-z0-9-]+\\.[a-z0-9-]+): (.*)$");

    private AgentPoints() {
    }

    /**
     * Point name to its status text, in the order first printed, from an agent's standard error. Lines that are not
     * a point's status ({@code also applied to ...}, warnings, metrics) are skipped.
     */
    public static Map<String, String> statuses(List<String> lines) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches() && !m.group(2).startsWith("also applied to ")) {
                out.put(m.group(1), m.group(2));
            }
        }
        return out;
    }

    /** Points whose status says they were rewritten ({@code applied to}), in order. */
    public static List<String> applied(Map<String, String> statuses) {
        List<String> out = new ArrayList<>();
        statuses.forEach((point, status) -> {
            if (status.contains("applied to ")) {
                out.add(point);
            }
        });
        return out;
    }

    /** {@link #KNOWN} followed by any other point the agent printed, without repeats. */
    public static List<String> allNames(Map<String, String> statuses) {
        List<String> out = new ArrayList<>(KNOWN);
        for (String p : statuses.keySet()) {
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The environment variable of a point's flag: {@code FAST_LLM_} + the name upper-cased, {@code .}/{@code -} to {@code _}. */
    public static String envName(String point) {
        StringBuilder sb = new StringBuilder("FAST_LLM_");
        for (int i = 0; i < point.length(); i++) {
            char c = point.charAt(i);
            sb.append(c == '.' || c == '-' ? '_' : Character.toUpperCase(c));
        }
        return sb.toString();
    }
}
