package dev.fastllm.gateway.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Counts prompt tokens the way LiteLLM's {@code token_counter} counts them with tiktoken, using JTokkit.
 *
 * <p>Every count goes through {@link #countText}: ordinary-text BPE counting ({@code countTokensOrdinary}, so
 * text that looks like a special token is counted as text, as tiktoken does with {@code disallowed_special=()}).
 * Chat prompts follow OpenAI's formula as LiteLLM applies it: 3 tokens per message, +1 per {@code name}, +3 to
 * prime the reply, the text of every string field of every message, tool calls' arguments, and tool definitions
 * rendered in the TypeScript-like {@code namespace functions} form OpenAI feeds the model (+9, -4 when a system
 * message is present). See {@link #countChat(String, JsonNode, JsonNode, JsonNode)} for every rule. A Responses
 * API request is counted as the chat messages it stands for ({@link #countResponsesInput}).
 *
 * <p>One {@link Encoding} per type is loaded once per process from a shared registry, on first use; encodings
 * are immutable and safe to share between threads. Instances hold no state.
 */
public final class PromptTokenCounter {

    public static final String O200K_BASE = "o200k_base";
    public static final String CL100K_BASE = "cl100k_base";

    /** Tokens for an image part of detail {@code low} or {@code auto}: OpenAI's base image cost, LiteLLM's default. */
    public static final int IMAGE_TOKENS_LOW_DETAIL = 85;

    /**
     * Tokens for an image part of detail {@code high}. Images are never downloaded here, so every high-detail
     * image is priced as a 1024x1024 image: scaled to 768x768, 4 tiles of 512 px, 85 + 4 x 170 tokens.
     */
    public static final int IMAGE_TOKENS_HIGH_DETAIL = 85 + 4 * 170;

    private static final String[] O200K_FAMILIES = {
        "gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4"
    };

    private static final class Registry {
        static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
    }

    private static final class O200k {
        static final Encoding ENCODING = Registry.INSTANCE.getEncoding(EncodingType.O200K_BASE);
    }

    private static final class Cl100k {
        static final Encoding ENCODING = Registry.INSTANCE.getEncoding(EncodingType.CL100K_BASE);
    }

    /**
     * The tiktoken encoding of {@code model}: {@value #O200K_BASE} for the gpt-4o (and chatgpt-4o), gpt-4.1,
     * gpt-4.5, gpt-5 and o-series (o1, o3, o4-mini, ...) families, {@value #CL100K_BASE} for everything else.
     *
     * <p>Rules: case is ignored; a provider prefix (everything up to the last {@code /}, as in
     * {@code openai/gpt-4o} or {@code azure/gpt-4.1-mini}) and a fine-tune prefix {@code ft:} are removed; then a
     * family matches when the name is the family itself or the family followed by one of {@code - : . @ _}
     * ({@code gpt-4o-mini}, {@code gpt-5.1}, {@code o1-preview}, {@code gpt-4o-mini:org::id}). So {@code gpt-4},
     * {@code gpt-4-turbo}, {@code gpt-3.5-turbo}, {@code o10}, {@code omni-foo} and {@code ollama/llama3} are
     * cl100k_base. A null or empty name is cl100k_base.
     */
    public static String encodingFor(String model) {
        if (model == null || model.isEmpty()) {
            return CL100K_BASE;
        }
        String name = model.substring(model.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.startsWith("ft:")) {
            name = name.substring(3);
        }
        for (String family : O200K_FAMILIES) {
            if (isFamily(name, family)) {
                return O200K_BASE;
            }
        }
        return CL100K_BASE;
    }

    private static boolean isFamily(String name, String family) {
        if (!name.startsWith(family)) {
            return false;
        }
        if (name.length() == family.length()) {
            return true;
        }
        char next = name.charAt(family.length());
        return next == '-' || next == ':' || next == '.' || next == '@' || next == '_';
    }

    /**
     * Tokens of {@code text} in the named encoding, special-token text counted as ordinary text. The one method
     * every other count goes through. A null or empty text is 0 tokens.
     *
     * @param encodingName {@value #O200K_BASE}, {@value #CL100K_BASE}, or another encoding JTokkit knows
     * @throws IllegalArgumentException for an encoding name JTokkit does not know
     */
    public int countText(String encodingName, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encoding(encodingName).countTokensOrdinary(text);
    }

    private static Encoding encoding(String name) {
        if (O200K_BASE.equals(name)) {
            return O200k.ENCODING;
        }
        if (CL100K_BASE.equals(name)) {
            return Cl100k.ENCODING;
        }
        if (name == null) {
            throw new IllegalArgumentException("encoding name is null");
        }
        return Registry.INSTANCE.getEncoding(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown encoding '" + name + "'"));
    }

    /** Same as {@link #countChat(String, JsonNode, JsonNode, JsonNode)} without a {@code tool_choice}. */
    public int countChat(String model, JsonNode messages, JsonNode tools) {
        return countChat(model, messages, tools, null);
    }

    /**
     * Prompt tokens of a chat completion request, as LiteLLM's {@code token_counter(model, messages, tools,
     * tool_choice)} counts them. Never throws on valid JSON of any shape; what it cannot read counts 0.
     *
     * <ul>
     *   <li>Each message (a JSON object): 3 tokens ({@code gpt-3.5-turbo-0301}: 4), plus:
     *     <ul>
     *       <li>every field whose value is a string, whatever its name ({@code role}, {@code content},
     *           {@code name}, {@code tool_call_id}, {@code refusal}, ...): its text; {@code name} adds 1 more
     *           ({@code gpt-3.5-turbo-0301}: -1);</li>
     *       <li>{@code tool_calls}: each call's {@code function.arguments} (a non-string value as its JSON text);
     *           function names are not counted, they are paid for by the tool definitions;
     *           legacy {@code function_call}: its {@code arguments};</li>
     *       <li>{@code content} as an array of parts: a string part or a {@code text} part's {@code text}, a
     *           {@code refusal} part's {@code refusal}, an {@code image_url} part {@value #IMAGE_TOKENS_LOW_DETAIL}
     *           tokens (detail {@code low}/{@code auto}/absent) or {@value #IMAGE_TOKENS_HIGH_DETAIL}
     *           (detail {@code high}, see {@link #IMAGE_TOKENS_HIGH_DETAIL}); other parts (audio, files) 0;</li>
     *       <li>null, numbers, booleans and other objects: 0.</li>
     *     </ul>
     *   </li>
     *   <li>3 tokens priming the reply.</li>
     *   <li>Non-empty {@code tools}: the text of {@link #formatToolDefinitions} plus 9, minus 4 when any message
     *       has role {@code system}.</li>
     *   <li>{@code tool_choice}: {@code "none"} 1 token; an object naming a function 7 plus the name's tokens;
     *       {@code "auto"}, {@code "required"} or absent 0.</li>
     * </ul>
     *
     * @param messages   the request's {@code messages} array; anything else counts as no messages
     * @param tools      the request's {@code tools} array, or null
     * @param toolChoice the request's {@code tool_choice}, or null
     */
    public int countChat(String model, JsonNode messages, JsonNode tools, JsonNode toolChoice) {
        String encoding = encodingFor(model);
        boolean legacy = isLegacyMessageAccounting(model);
        int tokensPerMessage = legacy ? 4 : 3;
        int tokensPerName = legacy ? -1 : 1;
        int total = 0;
        boolean hasSystem = false;
        if (messages != null && messages.isArray()) {
            for (JsonNode message : messages) {
                if (!message.isObject()) {
                    continue;
                }
                total += tokensPerMessage;
                Iterator<Map.Entry<String, JsonNode>> fields = message.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String key = field.getKey();
                    JsonNode value = field.getValue();
                    if (value.isTextual()) {
                        total += countText(encoding, value.textValue());
                        if (key.equals("name")) {
                            total += tokensPerName;
                        } else if (key.equals("role") && value.textValue().equals("system")) {
                            hasSystem = true;
                        }
                    } else if (key.equals("tool_calls") && value.isArray()) {
                        for (JsonNode call : value) {
                            total += countArguments(encoding, call.path("function").get("arguments"));
                        }
                    } else if (key.equals("function_call") && value.isObject()) {
                        total += countArguments(encoding, value.get("arguments"));
                    } else if (key.equals("content") && value.isArray()) {
                        total += countContentParts(encoding, value);
                    }
                }
            }
        }
        total += 3 + countTools(encoding, tools, hasSystem);
        if (toolChoice != null) {
            if (toolChoice.isTextual() && toolChoice.textValue().equals("none")) {
                total += 1;
            } else if (toolChoice.isObject()) {
                JsonNode name = toolChoice.path("function").path("name");
                total += 7 + (name.isValueNode() ? countText(encoding, name.asText()) : 0);
            }
        }
        return total;
    }

    /**
     * Prompt tokens of a Responses API request ({@code POST /v1/responses}): the request read as the chat
     * messages it stands for, counted with {@link #countChat(String, JsonNode, JsonNode, JsonNode)}'s rules,
     * so a Responses request and the chat request with the same messages count the same. Never throws on valid
     * JSON of any shape; what it cannot read counts 0.
     *
     * <ul>
     *   <li>{@code instructions} as a string: a {@code system} message, 3 + tokens of {@code "system"} + tokens
     *       of the text (an empty string still counts as a message); null or absent: nothing.</li>
     *   <li>{@code input} as a string: one {@code user} message, 3 + tokens of {@code "user"} + tokens of the
     *       text.</li>
     *   <li>{@code input} as an array, each object item (other elements count 0):
     *     <ul>
     *       <li>a message item (type {@code message}, or no type and a {@code role}): 3 + tokens of its
     *           {@code role} + its {@code content}: a string's tokens, or for an array of parts the text of
     *           {@code input_text}, {@code output_text} and {@code text} parts, a {@code refusal} part's
     *           {@code refusal}, an {@code input_image} part {@value #IMAGE_TOKENS_LOW_DETAIL} tokens (detail
     *           {@code low}/{@code auto}/absent) or {@value #IMAGE_TOKENS_HIGH_DETAIL} (detail {@code high}), as
     *           chat counts an {@code image_url} part; other parts (files, audio) 0. Its {@code type},
     *           {@code id} and {@code status} are bookkeeping and count nothing;</li>
     *       <li>any other item ({@code function_call}, {@code function_call_output}, {@code reasoning}, ...):
     *           3 + tokens of every string field except {@code type}, {@code id} and {@code status} (so a
     *           {@code function_call}'s {@code call_id}, {@code name} and {@code arguments}, a
     *           {@code function_call_output}'s {@code call_id} and {@code output}); a field holding an array
     *           (an {@code output} or {@code content} given as parts) counts as message content parts do.</li>
     *     </ul>
     *   </li>
     *   <li>3 tokens priming the reply.</li>
     *   <li>Non-empty {@code tools}: as in chat, the text of {@link #formatToolDefinitions} plus 9, minus 4 when
     *       there is a system message ({@code instructions}, or a message item of role {@code system}). A
     *       Responses function tool is flat ({@code {"type":"function","name",...}}), which that rendering
     *       reads as it reads a bare function; built-in tools (no {@code name}) render nothing.</li>
     * </ul>
     * {@code gpt-3.5-turbo-0301} uses 4 tokens per message, as in chat.
     *
     * @param instructions the request's {@code instructions}, or null
     * @param input        the request's {@code input}: a string or an array of items; anything else counts 0
     * @param tools        the request's {@code tools} array, or null
     */
    public int countResponsesInput(String model, JsonNode instructions, JsonNode input, JsonNode tools) {
        String encoding = encodingFor(model);
        int tokensPerMessage = isLegacyMessageAccounting(model) ? 4 : 3;
        int total = 0;
        boolean hasSystem = false;
        if (instructions != null && instructions.isTextual()) {
            total += tokensPerMessage + countText(encoding, "system") + countText(encoding, instructions.textValue());
            hasSystem = true;
        }
        if (input != null && input.isTextual()) {
            total += tokensPerMessage + countText(encoding, "user") + countText(encoding, input.textValue());
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                if (!item.isObject()) {
                    continue;
                }
                total += tokensPerMessage;
                JsonNode type = item.get("type");
                JsonNode role = item.get("role");
                boolean message = type == null || type.isNull() ? role != null : "message".equals(text(type));
                if (message) {
                    total += countText(encoding, text(role)) + countResponsesContent(encoding, item.get("content"));
                    hasSystem |= "system".equals(text(role));
                } else {
                    total += countItemFields(encoding, item);
                }
            }
        }
        return total + 3 + countTools(encoding, tools, hasSystem);
    }

    /**
     * Tokens of an embeddings request's {@code input}: a string, an array of strings (their counts summed), an
     * array of token ids (its length) or an array of such arrays (their lengths summed). Other shapes count 0.
     */
    public int countEmbeddingInput(String model, JsonNode input) {
        if (input == null) {
            return 0;
        }
        String encoding = encodingFor(model);
        if (input.isTextual()) {
            return countText(encoding, input.textValue());
        }
        int total = 0;
        if (input.isArray()) {
            for (JsonNode item : input) {
                if (item.isTextual()) {
                    total += countText(encoding, item.textValue());
                } else if (item.isNumber()) {
                    total += 1;
                } else if (item.isArray()) {
                    for (JsonNode id : item) {
                        if (id.isNumber()) {
                            total += 1;
                        }
                    }
                }
            }
        }
        return total;
    }

    /**
     * Tool definitions as the text OpenAI renders for the model (the widely reproduced TypeScript-like form that
     * LiteLLM also counts):
     *
     * <pre>
     * namespace functions {
     *
     * // Get the weather
     * type get_weather = (_: {
     * // City name
     * city: string,
     * unit?: "c" | "f",
     * }) =&gt; any;
     *
     * } // namespace functions
     * </pre>
     *
     * A tool is {@code {"type":"function","function":{...}}}, or a bare function object with {@code name},
     * {@code description} and {@code parameters} (or {@code input_schema}). A function without a name is left
     * out; one without properties renders as {@code type name = () => any;}. Property types: {@code string}
     * (or its quoted enum values), {@code number} for integer and number (or their quoted enum values),
     * {@code boolean}, {@code null}, arrays as {@code T[]}, objects as a nested block indented by two more
     * spaces, anything else {@code any}. Optional properties (not in {@code required}) get {@code ?}.
     */
    public static String formatToolDefinitions(JsonNode tools) {
        StringBuilder out = new StringBuilder("namespace functions {\n\n");
        if (tools != null && tools.isArray()) {
            for (JsonNode tool : tools) {
                if (!tool.isObject()) {
                    continue;
                }
                JsonNode function = tool.get("function");
                formatFunction(out, function != null && function.isObject() ? function : tool);
            }
        }
        return out.append("} // namespace functions").toString();
    }

    private static void formatFunction(StringBuilder out, JsonNode function) {
        String name = text(function.get("name"));
        if (name.isEmpty()) {
            return;
        }
        String description = text(function.get("description"));
        if (!description.isEmpty()) {
            out.append("// ").append(description).append('\n');
        }
        JsonNode parameters = function.get("parameters");
        if (parameters == null || !parameters.isObject()) {
            parameters = function.get("input_schema");
        }
        JsonNode properties = parameters == null ? null : parameters.get("properties");
        if (properties != null && properties.isObject() && properties.size() > 0) {
            out.append("type ").append(name).append(" = (_: {\n");
            formatProperties(out, parameters, 0);
            out.append("\n}) => any;\n\n");
        } else {
            out.append("type ").append(name).append(" = () => any;\n\n");
        }
    }

    /** Appends one line per property (no trailing newline), each prefixed by {@code indent} spaces. */
    private static void formatProperties(StringBuilder out, JsonNode schema, int indent) {
        JsonNode properties = schema.get("properties");
        if (properties == null || !properties.isObject() || properties.size() == 0) {
            return;
        }
        JsonNode required = schema.get("required");
        String pad = " ".repeat(indent);
        boolean first = true;
        Iterator<Map.Entry<String, JsonNode>> it = properties.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> property = it.next();
            JsonNode spec = property.getValue();
            String description = spec.isObject() ? text(spec.get("description")) : "";
            if (!description.isEmpty()) {
                if (!first) {
                    out.append('\n');
                }
                out.append(pad).append("// ").append(description);
                first = false;
            }
            if (!first) {
                out.append('\n');
            }
            out.append(pad).append(property.getKey()).append(isRequired(required, property.getKey()) ? "" : "?")
                    .append(": ");
            formatType(out, spec, indent);
            out.append(',');
            first = false;
        }
    }

    private static void formatType(StringBuilder out, JsonNode spec, int indent) {
        String type = spec.isObject() ? text(spec.get("type")) : "";
        switch (type) {
            case "string" -> {
                if (!appendEnum(out, spec)) {
                    out.append("string");
                }
            }
            case "integer", "number" -> {
                if (!appendEnum(out, spec)) {
                    out.append("number");
                }
            }
            case "boolean" -> out.append("boolean");
            case "null" -> out.append("null");
            case "array" -> {
                JsonNode items = spec.get("items");
                if (items != null && items.isObject()) {
                    formatType(out, items, indent);
                } else {
                    out.append("any");
                }
                out.append("[]");
            }
            case "object" -> {
                out.append("{\n");
                formatProperties(out, spec, indent + 2);
                out.append("\n}");
            }
            default -> out.append("any");
        }
    }

    private static boolean appendEnum(StringBuilder out, JsonNode spec) {
        JsonNode values = spec.get("enum");
        if (values == null || !values.isArray()) {
            return false;
        }
        boolean first = true;
        for (JsonNode value : values) {
            if (!first) {
                out.append(" | ");
            }
            out.append('"').append(value.isValueNode() ? value.asText() : value.toString()).append('"');
            first = false;
        }
        return true;
    }

    private static boolean isRequired(JsonNode required, String key) {
        if (required != null && required.isArray()) {
            for (JsonNode r : required) {
                if (r.isTextual() && r.textValue().equals(key)) {
                    return true;
                }
            }
        }
        return false;
    }

    private int countArguments(String encoding, JsonNode arguments) {
        if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
            return 0;
        }
        return countText(encoding, arguments.isTextual() ? arguments.textValue() : arguments.toString());
    }

    private int countTools(String encoding, JsonNode tools, boolean hasSystem) {
        if (tools == null || !tools.isArray() || tools.size() == 0) {
            return 0;
        }
        return countText(encoding, formatToolDefinitions(tools)) + 9 - (hasSystem ? 4 : 0);
    }

    /** A Responses item other than a message: its string fields but type, id and status; arrays as parts. */
    private int countItemFields(String encoding, JsonNode item) {
        int total = 0;
        Iterator<Map.Entry<String, JsonNode>> fields = item.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.equals("type") || key.equals("id") || key.equals("status")) {
                continue;
            }
            if (value.isTextual()) {
                total += countText(encoding, value.textValue());
            } else if (value.isArray()) {
                total += countResponsesContent(encoding, value);
            }
        }
        return total;
    }

    /** A Responses message's content: a string, or parts as described on {@link #countResponsesInput}. */
    private int countResponsesContent(String encoding, JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return countText(encoding, content.textValue());
        }
        int total = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (!part.isObject()) {
                    continue;
                }
                switch (text(part.get("type"))) {
                    case "input_text", "output_text", "text" -> total += countText(encoding, text(part.get("text")));
                    case "refusal" -> total += countText(encoding, text(part.get("refusal")));
                    case "input_image" -> total += "high".equals(text(part.get("detail")))
                            ? IMAGE_TOKENS_HIGH_DETAIL : IMAGE_TOKENS_LOW_DETAIL;
                    default -> { }
                }
            }
        }
        return total;
    }

    private int countContentParts(String encoding, JsonNode parts) {
        int total = 0;
        for (JsonNode part : parts) {
            if (part.isTextual()) {
                total += countText(encoding, part.textValue());
                continue;
            }
            if (!part.isObject()) {
                continue;
            }
            switch (text(part.get("type"))) {
                case "text" -> total += countText(encoding, text(part.get("text")));
                case "refusal" -> total += countText(encoding, text(part.get("refusal")));
                case "image_url" -> total += imageTokens(part.get("image_url"));
                default -> { }
            }
        }
        return total;
    }

    private static int imageTokens(JsonNode imageUrl) {
        if (imageUrl != null && imageUrl.isObject() && "high".equals(text(imageUrl.get("detail")))) {
            return IMAGE_TOKENS_HIGH_DETAIL;
        }
        return IMAGE_TOKENS_LOW_DETAIL;
    }

    private static boolean isLegacyMessageAccounting(String model) {
        if (model == null) {
            return false;
        }
        String name = model.substring(model.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return name.equals("gpt-3.5-turbo-0301") || name.equals("gpt-35-turbo-0301");
    }

    /** A scalar's text; "" for null, missing, arrays and objects. */
    private static String text(JsonNode node) {
        return node != null && node.isValueNode() && !node.isNull() ? node.asText() : "";
    }
}
