package dev.fastllm.fallback;

/**
 * What the agent's start log says about one point: the target status the agent reports (applied to which
 * class and method, target absent, or another outcome) and the line built from it with the point's flag,
 * kind, breaker state and injected-fault rate, e.g. {@code gateway.tokens: on (default), pure, breaker
 * closed, applied to dev.fastllm.gateway.tokens.PromptTokenCounter#countText}. Never on the hot path.
 */
final class StatusLine {

    private volatile String target;

    void markApplied(String classAndMethod) {
        target = "applied to " + classAndMethod;
    }

    void markAbsent() {
        target = "target absent";
    }

    void markTarget(String status) {
        target = status;
    }

    /** The target status, or null before the agent reported one. */
    String target() {
        return target;
    }

    String render(Point point) {
        StringBuilder sb = new StringBuilder(128);
        sb.append(point.name()).append(": ").append(point.flag()).append(" (").append(point.flagSource())
                .append("), ").append(point.kind() == Kind.STATEFUL ? "stateful" : "pure").append(", breaker ")
                .append(point.breaker().state().text());
        double f = point.faultRate();
        if (f > 0) {
            sb.append(", faults injected at rate ").append(Flag.formatPercent(f));
        }
        String t = target;
        sb.append(", ").append(t == null ? "target not reported" : t);
        return sb.toString();
    }
}
