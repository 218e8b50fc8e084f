package dev.fastllm.fallback;

import java.math.BigDecimal;

/**
 * One flag value: {@code on}, {@code off}, {@code canary:N} or {@code shadow:N}, where N is a percentage
 * from 0 to 100 with optional decimals. Immutable; {@link #parse} never throws.
 */
public final class Flag {

    /** The accepted forms, as shown in warnings and docs. */
    public static final String ACCEPTED_FORMS = "on, off, canary:N, shadow:N (N a percentage 0-100, decimals allowed)";

    public static final Flag OFF = new Flag(Mode.OFF, 0);
    public static final Flag ON = new Flag(Mode.ON, 100);

    private final Mode mode;
    private final double percent;

    private Flag(Mode mode, double percent) {
        this.mode = mode;
        this.percent = percent;
    }

    /** A canary flag: {@code percent} % of calls (pure) or of keys (stateful) take the fast path. */
    public static Flag canary(double percent) {
        return new Flag(Mode.CANARY, checkPercent(percent));
    }

    /** A shadow flag: {@code percent} % of calls run both paths and return the original's answer. */
    public static Flag shadow(double percent) {
        return new Flag(Mode.SHADOW, checkPercent(percent));
    }

    private static double checkPercent(double percent) {
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("percentage out of 0-100: " + percent);
        }
        return percent;
    }

    /**
     * Parses a flag value, case-insensitive, surrounding blanks ignored. Returns {@code null} when the text
     * is not one of the {@link #ACCEPTED_FORMS}.
     */
    public static Flag parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("on")) {
            return ON;
        }
        if (t.equals("off")) {
            return OFF;
        }
        int colon = t.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String word = t.substring(0, colon).trim();
        double n = parsePercent(t.substring(colon + 1).trim());
        if (Double.isNaN(n)) {
            return null;
        }
        if (word.equals("canary")) {
            return new Flag(Mode.CANARY, n);
        }
        if (word.equals("shadow")) {
            return new Flag(Mode.SHADOW, n);
        }
        return null;
    }

    /** Parses {@code 0}..{@code 100} with optional decimals ({@code 12.5}); NaN when malformed or out of range. */
    public static double parsePercent(String s) {
        int len = s.length();
        if (len == 0 || len > 24) {
            return Double.NaN;
        }
        int dot = -1;
        for (int i = 0; i < len; i++) {
            char ch = s.charAt(i);
            if (ch == '.') {
                if (dot >= 0 || i == 0 || i == len - 1) {
                    return Double.NaN;
                }
                dot = i;
            } else if (ch < '0' || ch > '9') {
                return Double.NaN;
            }
        }
        BigDecimal value = new BigDecimal(s);
        if (value.compareTo(BigDecimal.valueOf(100)) > 0) {
            return Double.NaN;
        }
        return value.doubleValue();
    }

    public Mode mode() {
        return mode;
    }

    /** 0 for off, 100 for on, N for canary and shadow. */
    public double percent() {
        return percent;
    }

    /** The canonical setting text, e.g. {@code canary:12.5}. */
    @Override
    public String toString() {
        switch (mode) {
            case OFF:
            case ON:
                return mode.text();
            default:
                return mode.text() + ':' + formatPercent(percent);
        }
    }

    static String formatPercent(double p) {
        if (p == Math.rint(p)) {
            return Long.toString((long) p);
        }
        return BigDecimal.valueOf(p).stripTrailingZeros().toPlainString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Flag)) {
            return false;
        }
        Flag f = (Flag) o;
        return f.mode == mode && Double.compare(f.percent, percent) == 0;
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + Double.hashCode(percent);
    }
}
