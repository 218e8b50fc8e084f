package dev.fastllm.gateway.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * An OpenAI-style error answer: {@code {"error":{"message","type","param","code"}}} with its HTTP status.
 * Every refusal of the gateway, from a malformed body to an upstream timeout, is one of these.
 */
public record ApiError(int status, String message, String type, String param, String code, long retryAfterSeconds) {

    public ApiError(int status, String message, String type, String param, String code) {
        this(status, message, type, param, code, -1);
    }

    public static ApiError invalidRequest(String message, String param, String code) {
        return new ApiError(400, message, "invalid_request_error", param, code);
    }

    public static ApiError notFound(String message, String code) {
        return new ApiError(404, message, "invalid_request_error", null, code);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, message, "authentication_error", null, "invalid_api_key");
    }

    /** A failure inside the gateway itself: 500, whatever the request was. */
    public static ApiError internal() {
        return new ApiError(500, "The gateway failed while handling this request.", "api_error", null, "internal_error");
    }

    public static ApiError upstream(int status, String message, String code) {
        return new ApiError(status, message, "api_error", null, code);
    }

    public ApiError withRetryAfter(long seconds) {
        return new ApiError(status, message, type, param, code, seconds);
    }

    public HttpResponseStatus httpStatus() {
        return HttpResponseStatus.valueOf(status);
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode error = f.objectNode();
        error.put("message", message);
        error.put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        ObjectNode root = f.objectNode();
        root.set("error", error);
        return root;
    }
}
