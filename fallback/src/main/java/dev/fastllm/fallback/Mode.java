package dev.fastllm.fallback;

/** How a point routes calls: never fast, always fast, a percentage fast, or a percentage checked in shadow. */
public enum Mode {
    OFF("off"),
    ON("on"),
    CANARY("canary"),
    SHADOW("shadow");

    private final String text;

    Mode(String text) {
        this.text = text;
    }

    /** The lower-case word used in settings. */
    public String text() {
        return text;
    }
}
