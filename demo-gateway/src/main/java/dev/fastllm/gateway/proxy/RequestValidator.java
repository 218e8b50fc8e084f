package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.server.ApiError;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * Checks a client's JSON body before anything else happens, so a client mistake always answers 400 with
 * an OpenAI-style error naming the parameter, never a 500 and never an upstream call.
 */
final class RequestValidator {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    /** Roles of a Responses API message item. */
    static final Set<String> RESPONSES_ROLES = Set.of("user", "assistant", "system", "developer");

    /** A validated request, or the error to answer. */
    record Parsed(ObjectNode body, ApiError error) {
    }

    private RequestValidator() {
    }

    /** An optional field: absent or null, or of the expected shape. */
    private record OptionalField(String field, java.util.function.Predicate<JsonNode> ok, String expected) {
    }

    private static final OptionalField STREAM = new OptionalField("stream", JsonNode::isBoolean, "a boolean");
    private static final OptionalField TOOLS = new OptionalField("tools", JsonNode::isArray, "an array");
    private static final OptionalField STREAM_OPTIONS = new OptionalField("stream_options", JsonNode::isObject, "an object");
    private static final OptionalField TEMPERATURE = new OptionalField("temperature",
            n -> n.isNumber() && n.asDouble() >= 0 && n.asDouble() <= 2, "a number from 0 to 2");

    private static final List<OptionalField> CHAT_OPTIONS = List.of(STREAM,
            new OptionalField("max_tokens", RequestValidator::tokenBudget, "a positive integer"),
            new OptionalField("max_completion_tokens", RequestValidator::tokenBudget, "a positive integer"),
            TOOLS, STREAM_OPTIONS, TEMPERATURE);

    private static final List<OptionalField> RESPONSES_OPTIONS = List.of(
            new OptionalField("instructions", JsonNode::isTextual, "a string"), STREAM,
            new OptionalField("max_output_tokens", RequestValidator::tokenBudget, "a positive integer"),
            TOOLS, STREAM_OPTIONS, TEMPERATURE);

    static Parsed chat(ObjectMapper json, byte[] bytes) {
        Parsed p = object(json, bytes);
        if (p.error() != null) {
            return p;
        }
        ObjectNode body = p.body();
        ApiError e = model(body);
        if (e == null) {
            e = messages(body.get("messages"));
        }
        if (e == null) {
            e = optionals(body, CHAT_OPTIONS);
        }
        return e == null ? p : new Parsed(null, e);
    }

    /**
     * A Responses API request ({@code POST /v1/responses}): {@code model}; {@code input}, a string or a non-empty
     * array of items, where a message item ({@code type} {@code "message"}, or no {@code type} and a
     * {@code role}) has a role of {@link #RESPONSES_ROLES} and a {@code content} string or array of typed parts
     * (text parts with a string {@code text}), and any other item has a string {@code type}; optional
     * {@code instructions} (string), {@code stream} (boolean), {@code max_output_tokens} (positive integer),
     * {@code tools} (array), {@code stream_options} (object) and {@code temperature} (0 to 2), each also null.
     */
    static Parsed responses(ObjectMapper json, byte[] bytes) {
        Parsed p = object(json, bytes);
        if (p.error() != null) {
            return p;
        }
        ObjectNode body = p.body();
        ApiError e = model(body);
        if (e == null) {
            e = responsesInput(body.get("input"));
        }
        if (e == null) {
            e = optionals(body, RESPONSES_OPTIONS);
        }
        return e == null ? p : new Parsed(null, e);
    }

    private static ApiError optionals(ObjectNode body, List<OptionalField> checks) {
        for (OptionalField c : checks) {
            ApiError e = optionalType(body, c.field(), c.ok(), c.expected());
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    static Parsed embeddings(ObjectMapper json, byte[] bytes) {
        Parsed p = object(json, bytes);
        if (p.error() != null) {
            return p;
        }
        ObjectNode body = p.body();
        ApiError e = model(body);
        if (e == null) {
            JsonNode input = body.get("input");
            if (input == null || input.isNull()) {
                e = ApiError.invalidRequest("Missing required parameter: 'input'.", "input", "missing_required_parameter");
            } else if (input.isTextual()) {
                e = null;
            } else if (input.isArray() && !input.isEmpty()) {
                for (JsonNode item : input) {
                    if (!(item.isTextual() || item.isIntegralNumber() || item.isArray())) {
                        e = invalidType("input", "a string, an array of strings, or arrays of token ids");
                        break;
                    }
                }
            } else {
                e = invalidType("input", "a string or a non-empty array");
            }
        }
        return e == null ? p : new Parsed(null, e);
    }

    private static Parsed object(ObjectMapper json, byte[] bytes) {
        if (bytes.length == 0) {
            return new Parsed(null, ApiError.invalidRequest("The request body is empty; send a JSON object.", null, "invalid_json"));
        }
        JsonNode node;
        try {
            // content after the object ({"model":...} {"x":1}, or {...}garbage) is a malformed body too
            node = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(bytes);
        } catch (JacksonException e) {
            return new Parsed(null, ApiError.invalidRequest("We could not parse the JSON body of your request: "
                    + e.getOriginalMessage(), null, "invalid_json"));
        } catch (IOException e) {
            return new Parsed(null, ApiError.invalidRequest("We could not read the body of your request.", null, "invalid_json"));
        }
        if (!(node instanceof ObjectNode object)) {
            return new Parsed(null, ApiError.invalidRequest("The request body must be a JSON object.", null, "invalid_json"));
        }
        return new Parsed(object, null);
    }

    private static ApiError model(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            return ApiError.invalidRequest("Missing required parameter: 'model'.", "model", "missing_required_parameter");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            return invalidType("model", "a non-empty string");
        }
        return null;
    }

    private static ApiError messages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            return ApiError.invalidRequest("Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
        }
        if (!messages.isArray()) {
            return invalidType("messages", "an array");
        }
        if (messages.isEmpty()) {
            return ApiError.invalidRequest("'messages' must contain at least one message.", "messages", "empty_array");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                return invalidType(at, "an object");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                return ApiError.invalidRequest("Missing required parameter: '" + at + ".role'.", at + ".role",
                        "missing_required_parameter");
            }
            if (!ROLES.contains(role.asText())) {
                return ApiError.invalidRequest("Invalid value for '" + at + ".role': '" + clip(role.asText())
                        + "'. Supported values are: " + ROLES + ".", at + ".role", "invalid_value");
            }
            JsonNode content = m.get("content");
            if (content != null && !(content.isNull() || content.isTextual() || content.isArray())) {
                return invalidType(at + ".content", "a string or an array of content parts");
            }
        }
        return null;
    }

    private static ApiError responsesInput(JsonNode input) {
        if (input == null || input.isNull()) {
            return missing("input");
        }
        if (input.isTextual()) {
            return null;
        }
        if (!input.isArray()) {
            return invalidType("input", "a string or an array of input items");
        }
        if (input.isEmpty()) {
            return ApiError.invalidRequest("'input' must contain at least one item.", "input", "empty_array");
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                return invalidType(at, "an object");
            }
            JsonNode type = item.get("type");
            if (type != null && !type.isNull() && !type.isTextual()) {
                return invalidType(at + ".type", "a string");
            }
            boolean untyped = type == null || type.isNull();
            if (untyped && item.get("role") == null) {
                return missing(at + ".type");
            }
            if (untyped || type.textValue().equals("message")) {
                ApiError e = responsesMessage(item, at);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    private static ApiError responsesMessage(JsonNode item, String at) {
        JsonNode role = item.get("role");
        if (role == null || !role.isTextual()) {
            return missing(at + ".role");
        }
        if (!RESPONSES_ROLES.contains(role.textValue())) {
            return ApiError.invalidRequest("Invalid value for '" + at + ".role': '" + clip(role.textValue())
                    + "'. Supported values are: " + RESPONSES_ROLES + ".", at + ".role", "invalid_value");
        }
        JsonNode content = item.get("content");
        if (content == null || content.isNull()) {
            return missing(at + ".content");
        }
        if (content.isTextual()) {
            return null;
        }
        if (!content.isArray()) {
            return invalidType(at + ".content", "a string or an array of content parts");
        }
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pAt = at + ".content[" + j + "]";
            if (!part.isObject()) {
                return invalidType(pAt, "an object");
            }
            JsonNode type = part.get("type");
            if (type == null || !type.isTextual()) {
                return missing(pAt + ".type");
            }
            String t = type.textValue();
            JsonNode text = part.get("text");
            if ((t.equals("input_text") || t.equals("output_text")) && (text == null || !text.isTextual())) {
                return missing(pAt + ".text");
            }
        }
        return null;
    }

    private static ApiError missing(String param) {
        return ApiError.invalidRequest("Missing required parameter: '" + param + "'.", param, "missing_required_parameter");
    }

    /**
     * A completion budget: a positive integer that fits an int. A larger one (no model has such a window) would
     * overflow the prompt + budget reservation, and asLong() of a BigInteger wraps.
     */
    private static boolean tokenBudget(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 1;
    }

    private static ApiError optionalType(ObjectNode body, String field, java.util.function.Predicate<JsonNode> ok,
                                         String expected) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull() || ok.test(n)) {
            return null;
        }
        return invalidType(field, expected);
    }

    private static ApiError invalidType(String field, String expected) {
        return ApiError.invalidRequest("Invalid type for '" + field + "': expected " + expected + ".", field, "invalid_type");
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
