package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The wire format of one stream relayed to a client: upstream bytes split into whole events, each written
 * out framed by a blank line; the usage read on the way (chat: the chunk carrying {@code usage};
 * Responses: {@code response.completed}); the usage chunk the gateway asked for on the client's behalf
 * dropped; and a chat stream always ended by {@code data: [DONE]}, even when the upstream forgot it.
 *
 * <p>It also turns a whole JSON answer into a stream, for an upstream that answers a stream request with
 * {@code application/json}.
 */
final class StreamRelay {

    private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);

    private final Endpoint endpoint;
    private final boolean clientWantsUsage;
    private final ObjectMapper json;
    private final SseEvents events = new SseEvents();
    private long usageTokens = -1;
    private boolean doneSent;

    StreamRelay(Endpoint endpoint, boolean clientWantsUsage, ObjectMapper json) {
        this.endpoint = endpoint;
        this.clientWantsUsage = clientWantsUsage;
        this.json = json;
    }

    /** Total tokens the stream reported, or -1 so far. */
    long usageTokens() {
        return usageTokens;
    }

    /** Relays every whole event in {@code content}; {@code out} takes ownership of each buffer. */
    void feed(ByteBuf content, Consumer<ByteBuf> out) {
        events.feed(content, event -> relay(event, out));
    }

    /** The upstream ended the stream: relays what is left and, for chat, a missing {@code [DONE]}. */
    void end(Consumer<ByteBuf> out) {
        byte[] rest = events.rest();
        if (rest.length > 0 && !isBlank(rest)) {
            relay(rest, out);
        }
        if (endpoint == Endpoint.CHAT && !doneSent) {
            relay(DONE, out);
        }
    }

    /**
     * Relays a whole JSON answer as the stream the client asked for: chat becomes one chunk per choice
     * (then the usage chunk if asked for, then {@code [DONE]}); Responses becomes {@code response.completed}.
     */
    void fromJson(JsonNode answer, Consumer<ByteBuf> out) {
        usageTokens = Usage.total(answer.get("usage"));
        if (endpoint == Endpoint.RESPONSES) {
            ObjectNode completed = json.createObjectNode().put("type", "response.completed").put("sequence_number", 0);
            completed.set("response", answer);
            relay(frame("response.completed", completed), out);
            return;
        }
        for (JsonNode choice : answer.path("choices")) {
            ObjectNode chunk = chunkHead(answer);
            ObjectNode c = chunk.putArray("choices").addObject();
            c.set("index", choice.path("index"));
            ObjectNode delta = choice.path("message").isObject() ? ((ObjectNode) choice.get("message")).deepCopy()
                    : json.createObjectNode();
            indexToolCalls(delta);
            c.set("delta", delta);
            c.set("logprobs", choice.path("logprobs").isMissingNode() ? null : choice.get("logprobs"));
            c.set("finish_reason", choice.get("finish_reason"));
            relay(frame(null, chunk), out);
        }
        if (clientWantsUsage && answer.has("usage")) {
            ObjectNode chunk = chunkHead(answer);
            chunk.putArray("choices");
            chunk.set("usage", answer.get("usage"));
            relay(frame(null, chunk), out);
        }
        relay(DONE, out);
    }

    private ObjectNode chunkHead(JsonNode answer) {
        ObjectNode chunk = json.createObjectNode();
        chunk.set("id", answer.get("id"));
        chunk.put("object", "chat.completion.chunk");
        chunk.set("created", answer.get("created"));
        chunk.set("model", answer.get("model"));
        if (answer.has("system_fingerprint")) {
            chunk.set("system_fingerprint", answer.get("system_fingerprint"));
        }
        return chunk;
    }

    private static void indexToolCalls(ObjectNode delta) {
        if (delta.get("tool_calls") instanceof ArrayNode calls) {
            for (int i = 0; i < calls.size(); i++) {
                if (calls.get(i) instanceof ObjectNode call && !call.has("index")) {
                    call.put("index", i);
                }
            }
        }
    }

    private byte[] frame(String type, JsonNode data) {
        try {
            String head = type == null ? "data: " : "event: " + type + "\ndata: ";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] d = json.writeValueAsBytes(data);
            byte[] all = new byte[h.length + d.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(d, 0, all, h.length, d.length);
            return all;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void relay(byte[] event, Consumer<ByteBuf> out) {
        if (doneSent) {
            return; // nothing follows [DONE]
        }
        boolean forward = true;
        String data = SseEvents.data(event);
        if (data != null) {
            if ("[DONE]".equals(data.strip())) {
                doneSent = true;
            } else if (data.contains("\"usage\"")) {
                forward = readUsage(data);
            }
        }
        if (forward) {
            ByteBuf buf = Unpooled.buffer(event.length + 2);
            buf.writeBytes(event).writeByte('\n').writeByte('\n');
            out.accept(buf);
        }
    }

    /** Reads the usage an event carries; false when the event is the usage chunk only the gateway asked for. */
    private boolean readUsage(String data) {
        JsonNode n;
        try {
            n = json.readTree(data);
        } catch (java.io.IOException | RuntimeException e) {
            return true;
        }
        if (n == null) {
            return true;
        }
        if (endpoint == Endpoint.RESPONSES) {
            long total = Usage.total(n.path("response").get("usage"));
            if (total >= 0) {
                usageTokens = total;
            }
            return true;
        }
        long total = Usage.total(n.get("usage"));
        if (total < 0) {
            return true;
        }
        usageTokens = total;
        JsonNode choices = n.get("choices");
        return clientWantsUsage || (choices != null && !choices.isEmpty());
    }

    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
                return false;
            }
        }
        return true;
    }
}
