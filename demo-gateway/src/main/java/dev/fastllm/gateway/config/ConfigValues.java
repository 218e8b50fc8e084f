package dev.fastllm.gateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Typed reads of single YAML values for {@link ConfigLoader}: each either returns the value or throws a
 * {@link ConfigException} whose message starts with the field's path. Messages never echo credentials: a
 * URL's user info and query string are masked.
 */
final class ConfigValues {

    private static final Pattern USER_INFO = Pattern.compile("(^|//)[^/?#@]*@");
    private static final Pattern QUERY = Pattern.compile("\\?[^#]*");

    private ConfigValues() {
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isMissingNode() && !node.isNull();
    }

    static JsonNode required(JsonNode parent, String name, String at) {
        JsonNode node = parent.path(name);
        if (!present(node)) {
            throw new ConfigException(at + "." + name + ": required");
        }
        return node;
    }

    static void requireObject(JsonNode node, String field) {
        if (!(node instanceof ObjectNode)) {
            throw new ConfigException(field + ": expected a mapping, got " + describe(node));
        }
    }

    static String string(JsonNode node, String field) {
        if (node.isTextual() || node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        throw new ConfigException(field + ": expected a string, got " + describe(node));
    }

    static long longValue(JsonNode node, String field) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new ConfigException(field + ": expected an integer, got " + describe(node));
    }

    static long nonNegativeLong(JsonNode node, String field, long max) {
        long v = longValue(node, field);
        if (v < 0 || v > max) {
            throw new ConfigException(field + ": expected an integer from 0 to " + max + ", got " + v);
        }
        return v;
    }

    static long positiveLong(JsonNode node, String field) {
        long v = longValue(node, field);
        if (v <= 0) {
            throw new ConfigException(field + ": expected a positive integer, got " + v);
        }
        return v;
    }

    static int positiveInt(JsonNode node, String field) {
        long v = positiveLong(node, field);
        if (v > Integer.MAX_VALUE) {
            throw new ConfigException(field + ": expected a positive integer up to " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) v;
    }

    static OptionalLong optionalNonNegative(JsonNode node, String field) {
        return present(node) ? OptionalLong.of(nonNegativeLong(node, field, Long.MAX_VALUE)) : OptionalLong.empty();
    }

    static Duration seconds(JsonNode node, String field, boolean zeroAllowed) {
        double v;
        if (node.isNumber()) {
            v = node.asDouble();
        } else if (node.isTextual()) {
            try {
                v = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(field + ": expected a number of seconds, got " + describe(node));
            }
        } else {
            throw new ConfigException(field + ": expected a number of seconds, got " + describe(node));
        }
        if (Double.isNaN(v) || Double.isInfinite(v) || v < 0 || (!zeroAllowed && v == 0) || v > 86_400 * 365) {
            throw new ConfigException(field + ": expected a " + (zeroAllowed ? "non-negative" : "positive")
                    + " number of seconds, got " + node.asText());
        }
        return Duration.ofNanos(Math.round(v * 1e9));
    }

    /** An upstream base URL: http or https with a host; a trailing slash is dropped. */
    static URI baseUrl(String raw, String field) {
        try {
            URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new ConfigException(field + ": expected an http:// or https:// URL, or "
                        + ConfigLoader.EMBEDDED_MOCK + ", got '" + masked(raw) + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(field + ": not a valid URL: '" + masked(raw) + "'");
        }
    }

    /** {@code raw} with a URL's user info ({@code user:secret@}) and query string replaced by {@code ***}. */
    static String masked(String raw) {
        String s = USER_INFO.matcher(raw).replaceAll("$1***@");
        return QUERY.matcher(s).replaceAll("?***");
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isNull()) {
            return "null";
        }
        return Objects.toString(node.isTextual() ? "'" + node.asText() + "'" : node.asText());
    }
}
