package dev.fastllm.fallback.settings;

import dev.fastllm.fallback.Flag;

import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How the text of a setting is read, and the forms it accepts (named in the warning for a malformed value).
 * {@link #parse} never throws: it returns the value, or null when the text is malformed.
 */
enum ValueParser {

    /** {@code true} or {@code false}, any case. */
    BOOLEAN("true, false") {
        @Override
        Object parse(String v) {
            String t = v.trim().toLowerCase(Locale.ROOT);
            return t.equals("true") ? Boolean.TRUE : t.equals("false") ? Boolean.FALSE : null;
        }
    },
    /** An {@code Integer} from 1 to 1 000 000. */
    COUNT("a whole number from 1 to 1000000") {
        @Override
        Object parse(String v) {
            String t = v.trim();
            if (t.isEmpty() || t.length() > 7 || !digits(t)) {
                return null;
            }
            int n = Integer.parseInt(t);
            return n >= 1 && n <= 1_000_000 ? n : null;
        }
    },
    /** A {@code Long} of nanoseconds, more than zero. */
    DURATION(ValueParser.DURATION_FORMS) {
        @Override
        Object parse(String v) {
            return duration(v, false);
        }
    },
    /** A {@code Long} of nanoseconds, zero allowed. */
    DURATION_OR_ZERO(ValueParser.DURATION_FORMS) {
        @Override
        Object parse(String v) {
            return duration(v, true);
        }
    },
    /** {@code recover} or {@code permanent}, as a lower-case {@code String}. */
    BREAKER_MODE("recover, permanent") {
        @Override
        Object parse(String v) {
            String t = v.trim().toLowerCase(Locale.ROOT);
            return t.equals("recover") || t.equals("permanent") ? t : null;
        }
    },
    /** {@code background} or {@code first-call}, lower-cased. */
    IDENTIFY("background, first-call") {
        @Override
        Object parse(String v) {
            String t = v.trim().toLowerCase(Locale.ROOT);
            return t.equals("background") || t.equals("first-call") ? t : null;
        }
    },
    /** An {@code Integer} port, 0 to 65535. */
    PORT("a port number 0-65535 (0 picks a free port)") {
        @Override
        Object parse(String v) {
            String t = v.trim();
            if (t.isEmpty() || t.length() > 5 || !digits(t)) {
                return null;
            }
            int n = Integer.parseInt(t);
            return n <= 65535 ? n : null;
        }
    },
    /** A host name or an IP address literal, as a {@code String}. */
    HOST("a host name or IP address") {
        @Override
        Object parse(String v) {
            String t = v.trim();
            if (t.isEmpty() || t.length() > 253) {
                return null;
            }
            for (int i = 0; i < t.length(); i++) {
                char ch = t.charAt(i);
                boolean ok = Character.isLetterOrDigit(ch) || ch == '.' || ch == '-' || ch == ':' || ch == '_'
                        || ch == '[' || ch == ']' || ch == '%';
                if (!ok) {
                    return null;
                }
            }
            return t;
        }
    },
    /** A {@code Double} percentage from 0 to 100 (the forms of a flag's N). */
    PERCENT("a percentage 0-100, decimals allowed") {
        @Override
        Object parse(String v) {
            double p = Flag.parsePercent(v.trim());
            return Double.isNaN(p) ? null : p;
        }
    },
    /**
     * {@code gateway.tokens:1,gateway.routing:0.05} (or with {@code ;}) as an unmodifiable {@code Map} of
     * point name to rate in [0, 1]; null when any part is malformed. An empty value means no faults.
     */
    FAULTS("<point>:<rate>[,<point>:<rate>...] with a rate from 0 to 1 "
            + "(e.g. gateway.tokens:1,gateway.routing:0.05; as an agent argument separate points with ;)") {
        @Override
        Object parse(String v) {
            Map<String, Double> m = new HashMap<>();
            for (String part : v.split("[,;]")) {
                String item = part.trim();
                if (item.isEmpty()) {
                    continue;
                }
                int colon = item.lastIndexOf(':');
                if (colon <= 0) {
                    return null;
                }
                String point = item.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String rate = item.substring(colon + 1).trim();
                if (!Settings.isPointName(point) || rate.isEmpty() || rate.length() > 12) {
                    return null;
                }
                double r;
                try {
                    r = Double.parseDouble(rate);
                } catch (NumberFormatException e) {
                    return null;
                }
                if (!(r >= 0 && r <= 1) || !rate.matches("[0-9.]+")) {
                    return null;
                }
                m.put(point, r);
            }
            return Collections.unmodifiableMap(m);
        }
    };

    private static final String DURATION_FORMS =
            "a whole number with unit ms, s or m (e.g. 500ms, 60s, 2m); a bare number is seconds";

    private final String forms;

    ValueParser(String forms) {
        this.forms = forms;
    }

    /** The value, or null when {@code text} is malformed. */
    abstract Object parse(String text);

    /** The accepted forms, for a warning. */
    String forms() {
        return forms;
    }

    /** Nanoseconds, or null. {@code zeroAllowed}: the open period may be 0, the window may not. */
    private static Long duration(String v, boolean zeroAllowed) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        TimeUnit unit;
        long factor = 1;
        String number;
        if (t.endsWith("ms")) {
            unit = TimeUnit.MILLISECONDS;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = TimeUnit.SECONDS;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = TimeUnit.SECONDS;
            factor = 60;
            number = t.substring(0, t.length() - 1);
        } else {
            unit = TimeUnit.SECONDS;
            number = t;
        }
        if (number.isEmpty() || number.length() > 9 || !digits(number)) {
            return null;
        }
        long n = Long.parseLong(number) * factor;
        if (n == 0 && !zeroAllowed) {
            return null;
        }
        return unit.toNanos(n);
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return false;
            }
        }
        return true;
    }
}
