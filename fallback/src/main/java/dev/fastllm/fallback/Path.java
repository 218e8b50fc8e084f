package dev.fastllm.fallback;

/**
 * Which way a call went, as counted in metrics. {@link #FALLBACK} is a call that was sent to the fast path,
 * which declined or threw, so the original answered it on the same call.
 */
public enum Path {
    ORIGINAL("original"),
    FAST("fast"),
    SHADOW("shadow"),
    FALLBACK("fallback");

    private final String text;

    Path(String text) {
        this.text = text;
    }

    /** The metrics tag value. */
    public String text() {
        return text;
    }
}
