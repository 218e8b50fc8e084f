package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.server.ApiError;

import java.nio.charset.StandardCharsets;

/**
 * Turns an upstream's error answer into the gateway's, keeping the upstream's own words. Providers say the
 * same thing in several shapes: OpenAI's {@code {"error":{"message":...}}}, vLLM's
 * {@code {"object":"error","message":...}}, FastAPI's {@code {"detail":...}} (a string or a list of
 * {@code {"msg":...}}), or plain text.
 */
final class UpstreamErrors {

    private static final int MAX_MESSAGE = 1000;

    private final ObjectMapper json;

    UpstreamErrors(ObjectMapper json) {
        this.json = json;
    }

    /** True when {@code body} is already an OpenAI-style error object, which is passed to the client as it came. */
    boolean isOpenAiError(byte[] body) {
        JsonNode n = parse(body);
        return n != null && n.path("error").isObject() && n.path("error").hasNonNull("message");
    }

    /**
     * The client's answer to an upstream refusal that is not retried (400, 401, 404, 422, ...) and is not in
     * OpenAI form: the same status, OpenAI-style, with the upstream's message.
     */
    ApiError refusal(int status, byte[] body) {
        String detail = message(body);
        String type = switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            default -> "invalid_request_error";
        };
        return new ApiError(status, "Upstream refused the request with status " + status
                + (detail.isEmpty() ? "" : ": " + detail), type, null, "upstream_" + status);
    }

    /** The client's answer once a retryable upstream failure (408, 409, 429, 5xx) is final. */
    ApiError failure(int status, byte[] body, long retryAfterMillis) {
        String detail = message(body);
        String suffix = detail.isEmpty() ? "" : ": " + detail;
        if (status == 429) {
            ApiError e = new ApiError(429, "Upstream rate limited the request" + suffix, "rate_limit_error", null,
                    "upstream_rate_limited");
            return retryAfterMillis >= 0 ? e.withRetryAfter(Math.max(1, (retryAfterMillis + 999) / 1000)) : e;
        }
        if (status == 408 || status == 504) {
            return ApiError.upstream(504, "Upstream timed out (status " + status + ")" + suffix, "upstream_timeout");
        }
        return ApiError.upstream(502, "Upstream failed with status " + status + suffix, "upstream_error");
    }

    /** The upstream's message in any of the shapes above, made printable and clipped; empty when it has none. */
    String message(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        JsonNode n = parse(body);
        String m;
        if (n == null) {
            m = new String(body, StandardCharsets.UTF_8);
        } else if (n.path("error").isObject()) {
            m = n.path("error").path("message").asText("");
        } else if (n.path("error").isTextual()) {
            m = n.get("error").asText();
        } else if (n.path("message").isTextual()) {
            m = n.get("message").asText();
        } else if (n.path("detail").isTextual()) {
            m = n.get("detail").asText();
        } else if (n.path("detail").isArray()) {
            m = details(n.get("detail"));
        } else {
            m = n.toString();
        }
        return printable(m.strip());
    }

    private static String details(JsonNode list) {
        StringBuilder b = new StringBuilder();
        for (JsonNode d : list) {
            if (b.length() > 0) {
                b.append("; ");
            }
            String msg = d.path("msg").asText(d.toString());
            JsonNode loc = d.get("loc");
            b.append(loc != null && loc.isArray() ? loc + ": " + msg : msg);
        }
        return b.toString();
    }

    private static String printable(String s) {
        String clipped = s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) + "..." : s;
        StringBuilder b = new StringBuilder(clipped.length());
        for (int i = 0; i < clipped.length(); i++) {
            char c = clipped.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode n = json.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }
}
