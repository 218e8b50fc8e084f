package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.mock.MockApi.BadRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The Responses API wire format of the mock ({@code POST /responses}): validates a request body and builds the
 * {@code response} object and its typed SSE events, in the shapes OpenAI sends and its SDKs parse. Kept apart from
 * {@link MockApi} (chat, embeddings, models) because it is a second, differently shaped protocol; it shares that
 * class's answer text, splitting and errors. Pure functions of their inputs, safe on an event loop.
 *
 * <p>The answer is one assistant {@code message} item holding one {@code output_text} part, the same text the chat
 * endpoint gives (see {@link MockApi#reply}), cut at {@code max_output_tokens} (then {@code status:
 * "incomplete"}, {@code incomplete_details.reason: "max_output_tokens"}). The request's {@code instructions},
 * {@code max_output_tokens}, {@code temperature}, {@code top_p}, {@code tools}, {@code tool_choice},
 * {@code parallel_tool_calls}, {@code previous_response_id}, {@code store} and {@code metadata} are echoed as
 * OpenAI echoes them.
 */
final class MockResponses {

    /** Roles a Responses message item may have. */
    static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    /** Event types of a stream, in the order they are sent; the delta is repeated once per chunk. */
    static final String CREATED = "response.created";
    static final String IN_PROGRESS = "response.in_progress";
    static final String ITEM_ADDED = "response.output_item.added";
    static final String PART_ADDED = "response.content_part.added";
    static final String TEXT_DELTA = "response.output_text.delta";
    static final String TEXT_DONE = "response.output_text.done";
    static final String PART_DONE = "response.content_part.done";
    static final String ITEM_DONE = "response.output_item.done";
    static final String COMPLETED = "response.completed";
    static final String INCOMPLETE = "response.incomplete";

    /** Events before the first text delta: created, in progress, item added, part added. */
    static final int EVENTS_BEFORE_TEXT = 4;

    private MockResponses() {
    }

    /** A validated Responses request and the answer the mock gives it. */
    record Request(JsonNode body, String model, String text, boolean incomplete, int inputTokens, int outputTokens,
                   boolean stream) {
    }

    /** A Responses input item that is a message: type {@code message}, or no type and a {@code role}. */
    static boolean isMessage(JsonNode item) {
        JsonNode type = item.path("type");
        return MockApi.absent(type) ? item.has("role") : "message".equals(type.asText());
    }

    // ---- requests ------------------------------------------------------------------------------

    /** Validates a parsed body and computes the answer; a client mistake throws {@link BadRequest}. */
    static Request parse(JsonNode body, MockOptions.Usage usage) {
        String model = MockApi.model(body);
        JsonNode input = body.path("input");
        String lastUser = lastUserText(input);
        JsonNode instructions = body.path("instructions");
        if (!MockApi.absent(instructions) && !instructions.isTextual()) {
            throw new BadRequest("Invalid 'instructions': expected a string.", "instructions");
        }
        int maxTokens = Integer.MAX_VALUE;
        JsonNode limit = body.path("max_output_tokens");
        if (!MockApi.absent(limit)) {
            if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.asInt() < 1) {
                throw new BadRequest("Invalid 'max_output_tokens': expected an integer of at least 1.",
                        "max_output_tokens");
            }
            maxTokens = limit.asInt();
        }
        JsonNode streamNode = body.path("stream");
        if (!MockApi.absent(streamNode) && !streamNode.isBoolean()) {
            throw new BadRequest("Invalid 'stream': expected a boolean.", "stream");
        }
        boolean stream = streamNode.asBoolean(false);
        JsonNode streamOptions = body.path("stream_options");
        if (!MockApi.absent(streamOptions)) {
            if (!streamOptions.isObject()) {
                throw new BadRequest("Invalid 'stream_options': expected an object.", "stream_options");
            }
            if (!stream) {
                throw new BadRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        "stream_options");
            }
        }

        MockTokens.Counter counter = MockTokens.counterFor(model, usage);
        String full = MockApi.reply(model, lastUser);
        String text = counter.truncate(full, maxTokens);
        int inputTokens = MockTokens.countResponsesInput(counter, instructions, input);
        return new Request(body, model, text, text.length() < full.length(), inputTokens,
                counter.count(text), stream);
    }

    /** Validates {@code input} and returns the text of its last user message (null if there is none). */
    private static String lastUserText(JsonNode input) {
        if (MockApi.absent(input)) {
            throw new BadRequest("Missing required parameter: 'input'.", "input");
        }
        if (input.isTextual()) {
            return input.asText();
        }
        if (!input.isArray() || input.isEmpty()) {
            throw new BadRequest("Invalid 'input': expected a string or a non-empty array of input items.", "input");
        }
        String lastUser = null;
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                throw new BadRequest("Invalid '" + at + "': expected an object.", at);
            }
            JsonNode type = item.path("type");
            if (!MockApi.absent(type) && !type.isTextual()) {
                throw new BadRequest("Invalid '" + at + ".type': expected a string.", at + ".type");
            }
            if (MockApi.absent(type) && !item.has("role")) {
                throw new BadRequest("Missing required parameter: '" + at + ".type'.", at + ".type");
            }
            if (isMessage(item)) {
                String text = messageText(item, at);
                if ("user".equals(item.path("role").asText())) {
                    lastUser = text;
                }
            }
        }
        return lastUser;
    }

    /** Validates a message item and returns its text: the content string, or its text parts joined by spaces. */
    private static String messageText(JsonNode item, String at) {
        JsonNode role = item.path("role");
        if (!role.isTextual()) {
            throw new BadRequest("Missing required parameter: '" + at + ".role'.", at + ".role");
        }
        if (!ROLES.contains(role.asText())) {
            throw new BadRequest("Invalid value for '" + at + ".role': '" + role.asText() + "'; expected one of "
                    + ROLES + ".", at + ".role");
        }
        JsonNode content = item.path("content");
        if (MockApi.absent(content)) {
            throw new BadRequest("Missing required parameter: '" + at + ".content'.", at + ".content");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw new BadRequest("Invalid type for '" + at + ".content': expected a string or an array of content "
                    + "parts.", at + ".content");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pAt = at + ".content[" + j + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw new BadRequest("Invalid content part '" + pAt + "': expected an object with a 'type'.", pAt);
            }
            String type = part.path("type").asText();
            if (type.equals("input_text") || type.equals("output_text")) {
                if (!part.path("text").isTextual()) {
                    throw new BadRequest("Missing required parameter: '" + pAt + ".text'.", pAt + ".text");
                }
                if (text.length() > 0) {
                    text.append(' ');
                }
                text.append(part.path("text").asText());
            }
        }
        return text.toString();
    }

    // ---- responses -----------------------------------------------------------------------------

    /** The non-streamed answer: a finished {@code response} object. */
    static byte[] response(Request request, String id, String messageId, long created) {
        return MockApi.bytes(responseObject(request, id, messageId, created, true));
    }

    /**
     * Every SSE event of a streamed answer, in order, each a complete {@code event: TYPE\ndata: {...}\n\n} with
     * {@code type} and {@code sequence_number} (from 0) in its data: created, in progress, output item added,
     * content part added, one text delta per part of {@link MockApi#split} (events
     * {@value #EVENTS_BEFORE_TEXT} onwards), text done, content part done, output item done, and
     * {@code response.completed} (or {@code response.incomplete} when cut at {@code max_output_tokens}) carrying
     * the usage. No {@code [DONE]}: OpenAI ends this stream with the last event.
     */
    static List<byte[]> streamEvents(Request request, String id, String messageId, long created, int chunks) {
        List<String> deltas = MockApi.split(request.text(), chunks);
        List<byte[]> events = new ArrayList<>(deltas.size() + 8);
        ObjectNode started = responseObject(request, id, messageId, created, false);
        events.add(event(CREATED, events.size(), e -> e.set("response", started)));
        events.add(event(IN_PROGRESS, events.size(), e -> e.set("response", started)));
        events.add(event(ITEM_ADDED, events.size(), e -> e.put("output_index", 0)
                .set("item", message(messageId, "in_progress", null))));
        events.add(event(PART_ADDED, events.size(), e -> partEvent(e, messageId).set("part", outputText(""))));
        for (String delta : deltas) {
            events.add(event(TEXT_DELTA, events.size(), e -> partEvent(e, messageId).put("delta", delta)
                    .putArray("logprobs")));
        }
        events.add(event(TEXT_DONE, events.size(), e -> partEvent(e, messageId).put("text", request.text())
                .putArray("logprobs")));
        events.add(event(PART_DONE, events.size(), e -> partEvent(e, messageId)
                .set("part", outputText(request.text()))));
        events.add(event(ITEM_DONE, events.size(), e -> e.put("output_index", 0)
                .set("item", message(messageId, status(request), request.text()))));
        ObjectNode finished = responseObject(request, id, messageId, created, true);
        events.add(event(request.incomplete() ? INCOMPLETE : COMPLETED, events.size(),
                e -> e.set("response", finished)));
        return events;
    }

    private static String status(Request request) {
        return request.incomplete() ? "incomplete" : "completed";
    }

    /** The {@code response} object: in progress (no output, no usage) or finished. */
    private static ObjectNode responseObject(Request request, String id, String messageId, long created,
                                             boolean finished) {
        JsonNode body = request.body();
        ObjectNode r = MockApi.JSON.createObjectNode();
        r.put("id", id).put("object", "response").put("created_at", created)
                .put("status", finished ? status(request) : "in_progress");
        if (finished && !request.incomplete()) {
            r.put("completed_at", created);
        }
        r.putNull("error");
        if (finished && request.incomplete()) {
            r.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            r.putNull("incomplete_details");
        }
        echo(r, body, "instructions", JsonNode::isTextual, null);
        echo(r, body, "max_output_tokens", JsonNode::isIntegralNumber, null);
        r.put("model", request.model());
        ArrayNode output = r.putArray("output");
        if (finished) {
            output.add(message(messageId, status(request), request.text()));
        }
        echo(r, body, "parallel_tool_calls", JsonNode::isBoolean, r.booleanNode(true));
        echo(r, body, "previous_response_id", JsonNode::isTextual, null);
        ObjectNode reasoning = r.putObject("reasoning");
        reasoning.putNull("effort").putNull("summary");
        echo(r, body, "store", JsonNode::isBoolean, r.booleanNode(true));
        echo(r, body, "temperature", JsonNode::isNumber, r.numberNode(1.0));
        r.putObject("text").putObject("format").put("type", "text");
        echo(r, body, "tool_choice", n -> n.isTextual() || n.isObject(), r.textNode("auto"));
        echo(r, body, "tools", JsonNode::isArray, r.arrayNode());
        echo(r, body, "top_p", JsonNode::isNumber, r.numberNode(1.0));
        r.put("truncation", "disabled");
        if (finished) {
            usage(r.putObject("usage"), request);
        } else {
            r.putNull("usage");
        }
        r.putNull("user");
        echo(r, body, "metadata", JsonNode::isObject, r.objectNode());
        return r;
    }

    /** Copies a request field the client set with an acceptable type; otherwise the default (null for null). */
    private static void echo(ObjectNode r, JsonNode body, String field, Predicate<JsonNode> ok,
                             JsonNode fallback) {
        JsonNode value = body.path(field);
        r.set(field, !MockApi.absent(value) && ok.test(value) ? value : fallback == null ? r.nullNode() : fallback);
    }

    private static void usage(ObjectNode usage, Request request) {
        usage.put("input_tokens", request.inputTokens());
        usage.putObject("input_tokens_details").put("cached_tokens", 0).put("cache_write_tokens", 0);
        usage.put("output_tokens", request.outputTokens());
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", request.inputTokens() + request.outputTokens());
    }

    /** The assistant message item; {@code text} null for the empty item announced before its content. */
    private static ObjectNode message(String messageId, String status, String text) {
        ObjectNode m = MockApi.JSON.createObjectNode();
        m.put("id", messageId).put("type", "message").put("status", status).put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) {
            content.add(outputText(text));
        }
        return m;
    }

    private static ObjectNode outputText(String text) {
        ObjectNode part = MockApi.JSON.createObjectNode();
        part.put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    /** The position fields of an event about the one content part. */
    private static ObjectNode partEvent(ObjectNode event, String messageId) {
        return event.put("item_id", messageId).put("output_index", 0).put("content_index", 0);
    }

    private static byte[] event(String type, int sequence, Consumer<ObjectNode> fields) {
        ObjectNode data = MockApi.JSON.createObjectNode();
        data.put("type", type).put("sequence_number", sequence);
        fields.accept(data);
        byte[] head = ("event: " + type + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
        byte[] json = MockApi.bytes(data);
        byte[] out = new byte[head.length + json.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(json, 0, out, head.length, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }
}
