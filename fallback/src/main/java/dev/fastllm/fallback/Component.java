package dev.fastllm.fallback;

/**
 * The four kinds of component the agent accelerates. A point's name ends with its component's name
 * ({@code gateway.rate-limiter}), and a component-wide setting ({@code FAST_LLM_RATE_LIMITER}) applies to
 * every point of that component unless a point setting overrides it.
 */
public enum Component {
    TOKENS("tokens"),
    RATE_LIMITER("rate-limiter"),
    CONNECTION_POOL("connection-pool"),
    ROUTING("routing");

    private final String settingName;

    Component(String settingName) {
        this.settingName = settingName;
    }

    /** The name used in settings and point names, e.g. {@code rate-limiter}. */
    public String settingName() {
        return settingName;
    }

    /** The component with this setting name, or {@code null}. */
    public static Component bySettingName(String name) {
        for (Component c : values()) {
            if (c.settingName.equals(name)) {
                return c;
            }
        }
        return null;
    }
}
