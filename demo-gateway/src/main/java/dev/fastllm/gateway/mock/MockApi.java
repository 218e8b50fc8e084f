package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.server.ApiError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * The OpenAI wire format of the mock: validates request bodies and builds response bodies. Pure functions of
 * their inputs (apart from ids and timestamps), so everything here runs on an event loop without blocking.
 */
final class MockApi {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Models listed by {@code GET /models}; any other model name is served too. */
    static final List<String> MODELS = List.of("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-3.5-turbo",
            "text-embedding-3-small", "text-embedding-3-large");

    static final int DEFAULT_DIMENSIONS = 1536;
    static final int MAX_DIMENSIONS = 4096;
    private static final int ECHO_WORDS = 8;
    private static final int ECHO_MAX_CHARS = 120;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

    private MockApi() {
    }

    /** A client mistake: answered with {@code status} and an {@code invalid_request_error}. */
    static final class BadRequest extends RuntimeException {
        final int status;
        final String param;

        BadRequest(String message, String param) {
            this(400, message, param);
        }

        BadRequest(int status, String message, String param) {
            super(message, null, false, false);
            this.status = status;
            this.param = param;
        }
    }

    /** A validated chat request and the answer the mock gives it. */
    record Chat(String model, String content, String finishReason, int promptTokens, int completionTokens,
                boolean stream, boolean includeUsage) {
    }

    // ---- requests ------------------------------------------------------------------------------

    static JsonNode parseObject(InputStream body) {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("We could not parse the JSON body of your request: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new BadRequest("We could not read the body of your request.", null);
        }
        if (node == null || node.isMissingNode()) {
            throw new BadRequest("The request body is empty; expected a JSON object.", null);
        }
        if (!node.isObject()) {
            throw new BadRequest("The request body must be a JSON object.", null);
        }
        return node;
    }

    static Chat chat(JsonNode body, MockOptions.Usage usage) {
        String model = model(body);
        JsonNode messages = body.path("messages");
        if (messages.isMissingNode() || messages.isNull()) {
            throw new BadRequest("Missing required parameter: 'messages'.", "messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw new BadRequest("'messages' must be a non-empty array.", "messages");
        }
        String lastUser = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw new BadRequest("'" + at + "' must be an object.", at);
            }
            JsonNode role = m.path("role");
            if (!role.isTextual()) {
                throw new BadRequest("Missing required parameter: '" + at + ".role'.", at + ".role");
            }
            if (!ROLES.contains(role.asText())) {
                throw new BadRequest("Invalid value for '" + at + ".role': '" + role.asText() + "'; expected one of "
                        + ROLES + ".", at + ".role");
            }
            String text = contentText(m.path("content"), at + ".content");
            if ("user".equals(role.asText())) {
                lastUser = text;
            }
        }
        int maxTokens = Integer.MAX_VALUE;
        JsonNode limit = body.path("max_completion_tokens");
        String limitName = "max_completion_tokens";
        if (absent(limit)) {
            limit = body.path("max_tokens");
            limitName = "max_tokens";
        }
        if (!absent(limit)) {
            if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.asInt() < 1) {
                throw new BadRequest("Invalid '" + limitName + "': expected an integer of at least 1.", limitName);
            }
            maxTokens = limit.asInt();
        }
        JsonNode streamNode = body.path("stream");
        if (!absent(streamNode) && !streamNode.isBoolean()) {
            throw new BadRequest("Invalid 'stream': expected a boolean.", "stream");
        }
        boolean stream = streamNode.asBoolean(false);
        boolean includeUsage = false;
        JsonNode streamOptions = body.path("stream_options");
        if (!absent(streamOptions)) {
            if (!streamOptions.isObject()) {
                throw new BadRequest("Invalid 'stream_options': expected an object.", "stream_options");
            }
            if (!stream) {
                throw new BadRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                        "stream_options");
            }
            JsonNode include = streamOptions.path("include_usage");
            if (!absent(include) && !include.isBoolean()) {
                throw new BadRequest("Invalid 'stream_options.include_usage': expected a boolean.",
                        "stream_options.include_usage");
            }
            includeUsage = include.asBoolean(false);
        }

        MockTokens.Counter counter = MockTokens.counterFor(model, usage);
        String full = reply(model, lastUser);
        String content = counter.truncate(full, maxTokens);
        String finish = content.length() < full.length() ? "length" : "stop";
        int promptTokens = MockTokens.countMessages(counter, messages);
        int completionTokens = counter.count(content);
        return new Chat(model, content, finish, promptTokens, completionTokens, stream, includeUsage);
    }

    /** The deterministic answer: names the model and echoes the first words of the last user message. */
    static String reply(String model, String lastUser) {
        String echo = echo(lastUser);
        return "This is a mock reply from " + model + ". "
                + (echo.isEmpty() ? "You sent no user message. " : "You said: \"" + echo + "\". ")
                + "The mock provider answers deterministically, so tests can check every token.";
    }

    private static String echo(String text) {
        if (text == null) {
            return "";
        }
        String[] words = text.trim().split("\\s+", ECHO_WORDS + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(ECHO_WORDS, words.length); i++) {
            if (words[i].isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(words[i]);
        }
        if (words.length > ECHO_WORDS) {
            sb.append(" ...");
        }
        if (sb.length() > ECHO_MAX_CHARS) {
            int end = ECHO_MAX_CHARS;
            if (Character.isHighSurrogate(sb.charAt(end - 1))) {
                end--;
            }
            sb.setLength(end);
            sb.append("...");
        }
        return sb.toString();
    }

    private static String contentText(JsonNode content, String at) {
        if (absent(content)) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw new BadRequest("Invalid type for '" + at + "': expected a string or an array of content parts.", at);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pAt = at + "[" + j + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw new BadRequest("Invalid content part '" + pAt + "': expected an object with a 'type'.", pAt);
            }
            if ("text".equals(part.path("type").asText())) {
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

    static String model(JsonNode body) {
        JsonNode model = body.path("model");
        if (absent(model)) {
            throw new BadRequest("Missing required parameter: 'model'.", "model");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw new BadRequest("Invalid 'model': expected a non-empty string.", "model");
        }
        return model.asText();
    }

    static boolean absent(JsonNode node) {
        return node.isMissingNode() || node.isNull();
    }

    // ---- chat responses ------------------------------------------------------------------------

    static byte[] chatCompletion(Chat chat, String id, long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id).put("object", "chat.completion").put("created", created).put("model", chat.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant").put("content", chat.content()).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", chat.finishReason());
        usage(root.putObject("usage"), chat);
        root.put("system_fingerprint", "fp_mock");
        return bytes(root);
    }

    /**
     * Every SSE event of a streamed answer, in order, each a complete {@code data: ...\n\n} line: the role
     * chunk, the content chunks, the finish chunk, the usage chunk if asked for, and {@code [DONE]}.
     * Events 1 to {@code n} are the {@code n} content chunks ({@link #split}).
     */
    static List<byte[]> streamEvents(Chat chat, String id, long created, int chunks) {
        List<String> parts = split(chat.content(), chunks);
        List<byte[]> events = new ArrayList<>(parts.size() + 4);
        ObjectNode first = chunk(chat, id, created);
        ObjectNode firstChoice = ((ArrayNode) first.get("choices")).addObject();
        firstChoice.put("index", 0);
        firstChoice.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
        firstChoice.putNull("logprobs").putNull("finish_reason");
        events.add(event(first));
        for (String part : parts) {
            ObjectNode c = chunk(chat, id, created);
            ObjectNode choice = ((ArrayNode) c.get("choices")).addObject();
            choice.put("index", 0);
            choice.putObject("delta").put("content", part);
            choice.putNull("logprobs").putNull("finish_reason");
            events.add(event(c));
        }
        ObjectNode last = chunk(chat, id, created);
        ObjectNode lastChoice = ((ArrayNode) last.get("choices")).addObject();
        lastChoice.put("index", 0);
        lastChoice.putObject("delta");
        lastChoice.putNull("logprobs").put("finish_reason", chat.finishReason());
        events.add(event(last));
        if (chat.includeUsage()) {
            ObjectNode usage = chunk(chat, id, created);
            usage(usage.putObject("usage"), chat);
            events.add(event(usage));
        }
        events.add("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        return events;
    }

    private static ObjectNode chunk(Chat chat, String id, long created) {
        ObjectNode c = JSON.createObjectNode();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", chat.model())
                .put("system_fingerprint", "fp_mock");
        c.putArray("choices");
        if (chat.includeUsage()) {
            c.putNull("usage"); // as OpenAI does on every chunk but the last when usage is requested
        }
        return c;
    }

    private static void usage(ObjectNode usage, Chat chat) {
        usage.put("prompt_tokens", chat.promptTokens())
                .put("completion_tokens", chat.completionTokens())
                .put("total_tokens", chat.promptTokens() + chat.completionTokens());
    }

    private static byte[] event(ObjectNode chunk) {
        byte[] json = bytes(chunk);
        byte[] out = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 6);
        System.arraycopy(json, 0, out, 6, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    /** Splits text into at most {@code n} non-empty parts of near-equal length, never inside a surrogate pair. */
    static List<String> split(String text, int n) {
        int codePoints = text.codePointCount(0, text.length());
        int parts = Math.max(1, Math.min(n, codePoints));
        List<String> out = new ArrayList<>(parts);
        if (codePoints == 0) {
            out.add("");
            return out;
        }
        int start = 0;
        for (int i = 0; i < parts; i++) {
            int take = codePoints / parts + (i < codePoints % parts ? 1 : 0);
            int end = text.offsetByCodePoints(start, take);
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }

    // ---- embeddings ----------------------------------------------------------------------------

    static byte[] embeddings(JsonNode body, MockOptions.Usage usage) {
        String model = model(body);
        JsonNode input = body.path("input");
        if (absent(input)) {
            throw new BadRequest("Missing required parameter: 'input'.", "input");
        }
        int dimensions = DEFAULT_DIMENSIONS;
        JsonNode dims = body.path("dimensions");
        if (!absent(dims)) {
            if (!dims.isIntegralNumber() || !dims.canConvertToInt() || dims.asInt() < 1 || dims.asInt() > MAX_DIMENSIONS) {
                throw new BadRequest("Invalid 'dimensions': expected an integer from 1 to " + MAX_DIMENSIONS + ".",
                        "dimensions");
            }
            dimensions = dims.asInt();
        }
        boolean base64 = false;
        JsonNode format = body.path("encoding_format");
        if (!absent(format)) {
            if (!format.isTextual() || !(format.asText().equals("float") || format.asText().equals("base64"))) {
                throw new BadRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", "encoding_format");
            }
            base64 = format.asText().equals("base64");
        }

        MockTokens.Counter counter = MockTokens.counterFor(model, usage);
        List<long[]> seeds = new ArrayList<>(); // {seed, tokens}
        if (input.isTextual()) {
            seeds.add(textSeed(input.asText(), counter, "input"));
        } else if (input.isArray() && !input.isEmpty()) {
            if (input.get(0).isIntegralNumber()) {
                seeds.add(tokenSeed(input, "input"));
            } else {
                for (int i = 0; i < input.size(); i++) {
                    JsonNode item = input.get(i);
                    String at = "input[" + i + "]";
                    if (item.isTextual()) {
                        seeds.add(textSeed(item.asText(), counter, at));
                    } else if (item.isArray()) {
                        seeds.add(tokenSeed(item, at));
                    } else {
                        throw new BadRequest("Invalid '" + at + "': expected a string or an array of token ids.", at);
                    }
                }
            }
        } else {
            throw new BadRequest("Invalid 'input': expected a non-empty string, an array of strings, an array of "
                    + "token ids or an array of token arrays.", "input");
        }

        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long tokens = 0;
        for (int i = 0; i < seeds.size(); i++) {
            float[] vector = vector(seeds.get(i)[0], dimensions);
            tokens += seeds.get(i)[1];
            ObjectNode item = data.addObject();
            item.put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : vector) {
                    buf.putFloat(f);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : vector) {
                    values.add(f);
                }
            }
        }
        root.put("model", model);
        root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return bytes(root);
    }

    private static long[] textSeed(String text, MockTokens.Counter counter, String at) {
        if (text.isEmpty()) {
            throw new BadRequest("Invalid '" + at + "': an input must not be an empty string.", at);
        }
        long hash = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 bytes
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new long[] {hash, counter.count(text)};
    }

    private static long[] tokenSeed(JsonNode tokens, String at) {
        if (tokens.isEmpty()) {
            throw new BadRequest("Invalid '" + at + "': a token array must not be empty.", at);
        }
        long hash = 0x84222325cbf29ce4L;
        for (int j = 0; j < tokens.size(); j++) {
            JsonNode t = tokens.get(j);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0) {
                throw new BadRequest("Invalid '" + at + "[" + j + "]': expected a non-negative token id.", at + "[" + j + "]");
            }
            hash = (hash ^ t.asInt()) * 0x100000001b3L;
        }
        return new long[] {hash, tokens.size()};
    }

    /** A deterministic unit-length vector: SplitMix64 draws in [-1, 1), normalised. */
    static float[] vector(long seed, int dimensions) {
        double[] v = new double[dimensions];
        double norm = 0;
        long state = seed;
        for (int i = 0; i < dimensions; i++) {
            state += 0x9e3779b97f4a7c15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            z = z ^ (z >>> 31);
            v[i] = (z >>> 11) * 0x1.0p-53 * 2 - 1;
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        float[] out = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            out[i] = (float) (norm == 0 ? (i == 0 ? 1 : 0) : v[i] / norm);
        }
        return out;
    }

    // ---- models and errors ---------------------------------------------------------------------

    static byte[] models(long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : MODELS) {
            data.add(model(id, created));
        }
        return bytes(root);
    }

    static byte[] modelObject(String id, long created) {
        return bytes(model(id, created));
    }

    private static ObjectNode model(String id, long created) {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", id).put("object", "model").put("created", created).put("owned_by", "mock");
        return m;
    }

    static byte[] error(String message, String type, String param, String code) {
        // the status is not part of the body
        return bytes(new ApiError(400, message, type, param, code).toJson());
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of plain nodes always serialises
        }
    }
}
