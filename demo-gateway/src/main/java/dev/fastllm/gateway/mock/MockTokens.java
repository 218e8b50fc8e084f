package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingResult;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Token counts the mock reports in {@code usage}: JTokkit, one shared encoding per type, or, when
 * {@link MockOptions#usageCounting()} is {@link MockOptions.Usage#ESTIMATE}, an estimate of one token per four UTF-16
 * characters (rounded up) that costs nothing next to the gateway's own counting, for benchmarks.
 *
 * <p>Prompt tokens of a chat request follow OpenAI's published recipe: 3 per message, plus the tokens of every
 * string field of the message (role, content, name, ...; for content given as parts, the text of each text
 * part; for tool calls, the function name and arguments), plus 1 per {@code name} field, plus 3 for the reply
 * priming. Special-token text such as {@code <|endoftext|>} is counted as ordinary text, never rejected.
 */
final class MockTokens {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    private MockTokens() {
    }

    /** Loads both vocabularies; called from {@link MockProvider#start} so no event loop ever pays for it. */
    static void warmUp() {
        O200K.countTokensOrdinary("warm up");
        CL100K.countTokensOrdinary("warm up");
    }

    /** o200k_base for gpt-4o, gpt-4.1, gpt-5 and o-series names (o1, o3, o4-mini, ...), cl100k_base otherwise. */
    static Encoding encodingFor(String model) {
        String m = model.toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');
        if (slash >= 0) {
            m = m.substring(slash + 1);
        }
        if (m.startsWith("ft:")) {
            m = m.substring(3);
        }
        if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5") || (m.length() > 1 && m.charAt(0) == 'o' && Character.isDigit(m.charAt(1)))) {
            return O200K;
        }
        return CL100K;
    }

    /**
     * How the mock counts and cuts a text for one request: {@link #exact(Encoding)} or {@link #ESTIMATE}. The
     * message recipe on the class is the same for both; only the count of each string differs.
     */
    interface Counter {
        int count(String text);

        /** The longest prefix of {@code text} that counts at most {@code maxTokens}. */
        String truncate(String text, int maxTokens);
    }

    /**
     * One token per four UTF-16 characters, rounded up: the rule of thumb OpenAI gives for English text. Its cost
     * is a length read, so a benchmark's mock spends the same few microseconds whatever the gateway in front does
     * and however long the prompt.
     */
    static final Counter ESTIMATE = new Counter() {
        @Override
        public int count(String text) {
            return (text.length() + 3) / 4;
        }

        @Override
        public String truncate(String text, int maxTokens) {
            long chars = 4L * maxTokens;
            if (text.length() <= chars) {
                return text;
            }
            int end = (int) chars;
            if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // never half a character
            }
            return text.substring(0, end);
        }
    };

    /** JTokkit's exact count and token-boundary cut in {@code encoding}. */
    static Counter exact(Encoding encoding) {
        return new Counter() {
            @Override
            public int count(String text) {
                return MockTokens.count(encoding, text);
            }

            @Override
            public String truncate(String text, int maxTokens) {
                return MockTokens.truncate(encoding, text, maxTokens);
            }
        };
    }

    private static final Counter EXACT_O200K = exact(O200K);
    private static final Counter EXACT_CL100K = exact(CL100K);

    /** The counter for {@code model} under {@code usage}: its encoding ({@link #encodingFor}) or the estimate. */
    static Counter counterFor(String model, MockOptions.Usage usage) {
        if (usage == MockOptions.Usage.ESTIMATE) {
            return ESTIMATE;
        }
        return encodingFor(model) == O200K ? EXACT_O200K : EXACT_CL100K;
    }

    static int count(Encoding encoding, String text) {
        return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    /**
     * The longest prefix of {@code text} that counts at most {@code maxTokens} tokens, cut at a token boundary
     * as a model would stop; never ends in half a character.
     */
    static String truncate(Encoding encoding, String text, int maxTokens) {
        EncodingResult r = encoding.encodeOrdinary(text, maxTokens);
        if (!r.isTruncated()) {
            return text;
        }
        IntArrayList tokens = r.getTokens();
        while (tokens.size() > 0) {
            String prefix = encoding.decode(tokens);
            while (!prefix.isEmpty() && prefix.charAt(prefix.length() - 1) == '\uFFFD') {
                prefix = prefix.substring(0, prefix.length() - 1); // a split multi-byte character
            }
            if (encoding.countTokensOrdinary(prefix) <= maxTokens) {
                return prefix;
            }
            IntArrayList shorter = new IntArrayList(tokens.size() - 1);
            for (int i = 0; i < tokens.size() - 1; i++) {
                shorter.add(tokens.get(i));
            }
            tokens = shorter;
        }
        return "";
    }

    /**
     * Prompt tokens of a validated Responses API request: the chat messages it stands for, counted by
     * {@link #countMessages}. {@code instructions} is a system message, a string {@code input} a user message, a
     * message item the message of its {@code role} and {@code content}, and any other item a message of its
     * string fields but {@code type}, {@code id} and {@code status}.
     */
    static int countResponsesInput(Counter counter, JsonNode instructions, JsonNode input) {
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        if (instructions != null && instructions.isTextual()) {
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        } else {
            for (JsonNode item : input) {
                ObjectNode message = messages.addObject();
                if (MockResponses.isMessage(item)) {
                    message.set("role", item.get("role"));
                    message.set("content", item.get("content"));
                    continue;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    String key = field.getKey();
                    if (field.getValue().isTextual() && !key.equals("type") && !key.equals("id") && !key.equals("status")) {
                        message.set(key, field.getValue());
                    }
                }
            }
        }
        return countMessages(counter, messages);
    }

    /** Prompt tokens of a validated {@code messages} array, as described on the class. */
    static int countMessages(Counter counter, JsonNode messages) {
        int total = 3;
        for (JsonNode message : messages) {
            total += 3;
            for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode value = field.getValue();
                if (value.isTextual()) {
                    total += counter.count(value.asText());
                    if ("name".equals(field.getKey())) {
                        total += 1;
                    }
                } else if ("content".equals(field.getKey()) && value.isArray()) {
                    for (JsonNode part : value) {
                        JsonNode text = part.path("text");
                        if (text.isTextual()) {
                            total += counter.count(text.asText());
                        }
                    }
                } else if ("tool_calls".equals(field.getKey()) && value.isArray()) {
                    for (JsonNode call : value) {
                        JsonNode function = call.path("function");
                        if (function.path("name").isTextual()) {
                            total += counter.count(function.path("name").asText());
                        }
                        if (function.path("arguments").isTextual()) {
                            total += counter.count(function.path("arguments").asText());
                        }
                    }
                }
            }
        }
        return total;
    }
}
