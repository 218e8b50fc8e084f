package dev.fastllm.gateway.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.fastllm.gateway.tokens.PromptTokenCounter.CL100K_BASE;
import static dev.fastllm.gateway.tokens.PromptTokenCounter.O200K_BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PromptTokenCounterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EncodingRegistry REGISTRY = Encodings.newDefaultEncodingRegistry();
    private static final Encoding O200K = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    private static final Encoding CL100K = REGISTRY.getEncoding(EncodingType.CL100K_BASE);

    private final PromptTokenCounter counter = new PromptTokenCounter();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "gpt-4o, o200k_base",
        "gpt-4o-mini, o200k_base",
        "gpt-4o-2024-08-06, o200k_base",
        "openai/gpt-4o-mini, o200k_base",
        "azure/gpt-4o, o200k_base",
        "GPT-4o, o200k_base",
        "chatgpt-4o-latest, o200k_base",
        "gpt-4.1, o200k_base",
        "gpt-4.1-nano, o200k_base",
        "openai/gpt-4.1-mini, o200k_base",
        "gpt-4.5-preview, o200k_base",
        "gpt-5, o200k_base",
        "gpt-5-mini, o200k_base",
        "gpt-5.1, o200k_base",
        "o1, o200k_base",
        "o1-preview, o200k_base",
        "o1-mini, o200k_base",
        "o3, o200k_base",
        "o3-mini, o200k_base",
        "openai/o3-pro, o200k_base",
        "o4-mini, o200k_base",
        "ft:gpt-4o-mini:my-org::abc123, o200k_base",
        "gpt-4, cl100k_base",
        "gpt-4-turbo, cl100k_base",
        "gpt-4-0613, cl100k_base",
        "gpt-4-32k, cl100k_base",
        "gpt-3.5-turbo, cl100k_base",
        "openai/gpt-3.5-turbo, cl100k_base",
        "azure/gpt-35-turbo, cl100k_base",
        "text-embedding-3-small, cl100k_base",
        "text-embedding-ada-002, cl100k_base",
        "ollama/llama3, cl100k_base",
        "omni-foo, cl100k_base",
        "o10, cl100k_base",
        "o1x, cl100k_base",
        "gpt-40, cl100k_base",
        "gpt-4omega, cl100k_base",
        "gpt-50, cl100k_base",
        "claude-3-5-sonnet, cl100k_base",
        "'', cl100k_base",
    })
    void modelFamilyMapping(String model, String encoding) {
        assertEquals(encoding, PromptTokenCounter.encodingFor(model));
    }

    @Test
    void nullModelIsCl100k() {
        assertEquals(CL100K_BASE, PromptTokenCounter.encodingFor(null));
    }

    @Test
    void countTextIsJTokkitOrdinaryCounting() {
        String text = "Hello, world! <|endoftext|> Ünïcödé 日本語 tokens\n\t  spaced   out";
        assertEquals(O200K.countTokensOrdinary(text), counter.countText(O200K_BASE, text));
        assertEquals(CL100K.countTokensOrdinary(text), counter.countText(CL100K_BASE, text));
        assertEquals(REGISTRY.getEncoding(EncodingType.P50K_BASE).countTokensOrdinary(text),
                counter.countText("p50k_base", text));
        assertEquals(0, counter.countText(O200K_BASE, ""));
        assertEquals(0, counter.countText(O200K_BASE, null));
        assertThrows(IllegalArgumentException.class, () -> counter.countText("no_such_encoding", "x"));
    }

    @Test
    void largeTextCountsExactly() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(2_000);
        assertEquals(O200K.countTokensOrdinary(text), counter.countText(O200K_BASE, text));
    }

    @Test
    void chatFormulaForPlainMessagesAndNames() {
        JsonNode messages = json("""
                [{'role':'system','content':'You are terse.'},
                 {'role':'user','name':'alice','content':'What is 2+2?'},
                 {'role':'assistant','content':'4'}]""");
        int expected = 3 + o("system") + o("You are terse.")
                + 3 + o("user") + o("alice") + 1 + o("What is 2+2?")
                + 3 + o("assistant") + o("4")
                + 3;
        assertEquals(expected, counter.countChat("gpt-4o-mini", messages, null));

        int expectedCl = 3 + c("system") + c("You are terse.")
                + 3 + c("user") + c("alice") + 1 + c("What is 2+2?")
                + 3 + c("assistant") + c("4")
                + 3;
        assertEquals(expectedCl, counter.countChat("gpt-3.5-turbo", messages, null));
    }

    @Test
    void legacyGpt35Turbo0301Accounting() {
        JsonNode messages = json("[{'role':'user','name':'bob','content':'hi'}]");
        assertEquals(4 + c("user") + c("bob") - 1 + c("hi") + 3, counter.countChat("gpt-3.5-turbo-0301", messages, null));
    }

    @Test
    void toolCallsCountArgumentsAndEveryStringField() {
        JsonNode messages = json("""
                [{'role':'user','content':'Weather in Paris?'},
                 {'role':'assistant','content':null,'tool_calls':[
                    {'id':'call_1','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}},
                    {'id':'call_2','type':'function','function':{'name':'get_time','arguments':{'tz':'CET'}}}]},
                 {'role':'tool','tool_call_id':'call_1','content':'18C, cloudy'},
                 {'role':'assistant','function_call':{'name':'legacy','arguments':'{}'},'content':'ok'}]""");
        int expected = 3 + o("user") + o("Weather in Paris?")
                + 3 + o("assistant") + o("{\"city\":\"Paris\"}") + o("{\"tz\":\"CET\"}")
                + 3 + o("tool") + o("call_1") + o("18C, cloudy")
                + 3 + o("assistant") + o("{}") + o("ok")
                + 3;
        assertEquals(expected, counter.countChat("openai/gpt-4o", messages, null));
    }

    @Test
    void contentPartsTextAndImages() {
        JsonNode messages = json("""
                [{'role':'user','content':[
                    {'type':'text','text':'Describe these.'},
                    {'type':'image_url','image_url':{'url':'https://example.com/a.png'}},
                    {'type':'image_url','image_url':{'url':'https://example.com/b.png','detail':'low'}},
                    {'type':'image_url','image_url':{'url':'https://example.com/c.png','detail':'high'}},
                    {'type':'image_url','image_url':'https://example.com/d.png'},
                    {'type':'input_audio','input_audio':{'data':'AAAA','format':'wav'}},
                    'a bare string part',
                    {'type':'refusal','refusal':'no'}]}]""");
        int expected = 3 + o("user") + o("Describe these.")
                + 85 + 85 + 765 + 85
                + o("a bare string part") + o("no")
                + 3;
        assertEquals(expected, counter.countChat("gpt-4.1", messages, null));
    }

    @Test
    void toolDefinitionsAreRenderedAndCounted() {
        JsonNode tools = json("""
                [{'type':'function','function':{'name':'get_weather','description':'Get the weather',
                   'parameters':{'type':'object','properties':{
                      'city':{'type':'string','description':'City name'},
                      'unit':{'type':'string','enum':['c','f']},
                      'days':{'type':'integer'},
                      'hourly':{'type':'boolean'},
                      'tags':{'type':'array','items':{'type':'string'}},
                      'where':{'type':'object','properties':{'lat':{'type':'number'},'lon':{'type':'number','description':'Longitude'}},'required':['lat']},
                      'extra':{'type':['string','null']}},
                   'required':['city']}}},
                 {'type':'function','function':{'name':'ping'}},
                 {'type':'function','function':{'description':'nameless is skipped'}}]""");
        String rendered = """
                namespace functions {

                // Get the weather
                type get_weather = (_: {
                // City name
                city: string,
                unit?: "c" | "f",
                days?: number,
                hourly?: boolean,
                tags?: string[],
                where?: {
                  lat: number,
                  // Longitude
                  lon?: number,
                },
                extra?: any,
                }) => any;

                type ping = () => any;

                } // namespace functions""";
        assertEquals(rendered, PromptTokenCounter.formatToolDefinitions(tools));

        JsonNode user = json("[{'role':'user','content':'hi'}]");
        int base = 3 + o("user") + o("hi") + 3;
        assertEquals(base + o(rendered) + 9, counter.countChat("gpt-4o", user, tools));

        JsonNode withSystem = json("[{'role':'system','content':'be brief'},{'role':'user','content':'hi'}]");
        int baseSystem = 3 + o("system") + o("be brief") + 3 + o("user") + o("hi") + 3;
        assertEquals(baseSystem + o(rendered) + 9 - 4, counter.countChat("gpt-4o", withSystem, tools));

        // an empty tools array counts nothing
        assertEquals(base, counter.countChat("gpt-4o", user, json("[]")));
    }

    @Test
    void toolChoice() {
        JsonNode user = json("[{'role':'user','content':'hi'}]");
        int base = 3 + o("user") + o("hi") + 3;
        assertEquals(base, counter.countChat("gpt-4o", user, null, json("'auto'")));
        assertEquals(base + 1, counter.countChat("gpt-4o", user, null, json("'none'")));
        assertEquals(base + 7 + o("get_weather"),
                counter.countChat("gpt-4o", user, null, json("{'type':'function','function':{'name':'get_weather'}}")));
    }

    @Test
    void oddButValidJsonNeverThrows() {
        assertEquals(3, counter.countChat("gpt-4o", null, null));
        assertEquals(3, counter.countChat("gpt-4o", json("{}"), json("{}")));
        assertEquals(3, counter.countChat("gpt-4o", json("'text'"), json("'x'"), json("42")));
        JsonNode odd = json("""
                [null, 42, 'loose string', [],
                 {'role':'user','content':12345,'name':null,'extra':{'nested':'x'},'flag':true},
                 {'role':'assistant','tool_calls':[null, 1, {'function':null}, {'function':{'arguments':null}}, {}]},
                 {'role':'assistant','tool_calls':'not a list','function_call':'not an object'},
                 {'role':'user','content':[null, 7, {'type':7}, {'type':'text','text':null}, {'type':'image_url'}, {}]},
                 {}]""");
        int expected = 3 + o("user")
                + 3 + o("assistant")
                + 3 + o("assistant") + o("not a list") + o("not an object")
                + 3 + o("user") + 85
                + 3
                + 3;
        assertEquals(expected, counter.countChat("gpt-4o", odd, json("[null, 1, {'type':'function','function':{'name':'f','parameters':{'properties':{'p':7}}}}]")) - toolsPart("f"));
    }

    private int toolsPart(String name) {
        String rendered = "namespace functions {\n\ntype " + name + " = (_: {\np?: any,\n}) => any;\n\n} // namespace functions";
        return o(rendered) + 9;
    }

    @Test
    void embeddingInputs() {
        assertEquals(c("hello world"), counter.countEmbeddingInput("text-embedding-3-small", json("'hello world'")));
        assertEquals(c("a b") + c("c d e"), counter.countEmbeddingInput("text-embedding-3-small", json("['a b','c d e']")));
        assertEquals(4, counter.countEmbeddingInput("text-embedding-3-small", json("[1, 2, 3, 4]")));
        assertEquals(5, counter.countEmbeddingInput("text-embedding-3-small", json("[[1, 2], [3, 4, 5]]")));
        assertEquals(0, counter.countEmbeddingInput("text-embedding-3-small", json("{}")));
        assertEquals(0, counter.countEmbeddingInput("text-embedding-3-small", null));
        assertEquals(0, counter.countEmbeddingInput("text-embedding-3-small", json("[null, true, {}]")));
    }

    // ---- Responses API ---------------------------------------------------------------------------

    @Test
    void responsesInstructionsAndStringInputCountAsSystemAndUserMessages() {
        JsonNode chat = json("[{'role':'system','content':'Be brief.'},{'role':'user','content':'Name three rivers.'}]");
        for (String model : new String[] {"gpt-4o-mini", "gpt-3.5-turbo", "gpt-3.5-turbo-0301"}) {
            assertEquals(counter.countChat(model, chat, null), counter.countResponsesInput(model,
                    json("'Be brief.'"), json("'Name three rivers.'"), null), model);
        }
        assertEquals(3 + o("system") + o("Be brief.") + 3 + o("user") + o("Name three rivers.") + 3,
                counter.countResponsesInput("gpt-4o", json("'Be brief.'"), json("'Name three rivers.'"), null));
        JsonNode userOnly = json("[{'role':'user','content':'Name three rivers.'}]");
        assertEquals(counter.countChat("gpt-4o", userOnly, null),
                counter.countResponsesInput("gpt-4o", null, json("'Name three rivers.'"), null));
        assertEquals(counter.countChat("gpt-4o", userOnly, null),
                counter.countResponsesInput("gpt-4o", json("null"), json("'Name three rivers.'"), null));
        assertEquals(counter.countChat("gpt-4o", json("[{'role':'system','content':''},{'role':'user','content':'x'}]"), null),
                counter.countResponsesInput("gpt-4o", json("''"), json("'x'"), null));
    }

    @Test
    void responsesMessageItemsCountLikeTheEquivalentChatMessages() {
        JsonNode input = json("""
                [{'role':'developer','content':'Answer in French.'},
                 {'type':'message','role':'user','content':[
                    {'type':'input_text','text':'What is in these pictures?'},
                    {'type':'input_image','image_url':'https://example.com/a.png'},
                    {'type':'input_image','image_url':'https://example.com/b.png','detail':'low'},
                    {'type':'input_image','file_id':'file-123','detail':'high'},
                    {'type':'input_image','image_url':'https://example.com/c.png','detail':'auto'},
                    {'type':'input_file','file_id':'file-456'}]},
                 {'type':'message','id':'msg_abc','status':'completed','role':'assistant','content':[
                    {'type':'output_text','text':'Un chat et un chien.','annotations':[]},
                    {'type':'refusal','refusal':'Pas plus.'}]},
                 {'role':'user','content':'Merci !'}]""");
        JsonNode chat = json("""
                [{'role':'developer','content':'Answer in French.'},
                 {'role':'user','content':[
                    {'type':'text','text':'What is in these pictures?'},
                    {'type':'image_url','image_url':{'url':'https://example.com/a.png'}},
                    {'type':'image_url','image_url':{'url':'https://example.com/b.png','detail':'low'}},
                    {'type':'image_url','image_url':{'url':'https://example.com/x.png','detail':'high'}},
                    {'type':'image_url','image_url':{'url':'https://example.com/c.png','detail':'auto'}},
                    {'type':'file','file':{'file_id':'file-456'}}]},
                 {'role':'assistant','content':[
                    {'type':'text','text':'Un chat et un chien.'},
                    {'type':'refusal','refusal':'Pas plus.'}]},
                 {'role':'user','content':'Merci !'}]""");
        int expected = 3 + o("developer") + o("Answer in French.")
                + 3 + o("user") + o("What is in these pictures?") + 85 + 85 + 765 + 85
                + 3 + o("assistant") + o("Un chat et un chien.") + o("Pas plus.")
                + 3 + o("user") + o("Merci !")
                + 3;
        assertEquals(expected, counter.countChat("gpt-4.1", chat, null));
        assertEquals(expected, counter.countResponsesInput("gpt-4.1", null, input, null));
        assertEquals(counter.countChat("gpt-4", chat, null), counter.countResponsesInput("gpt-4", null, input, null));
    }

    @Test
    void responsesOtherItemsCountTheirStringFields() {
        JsonNode input = json("""
                [{'role':'user','content':'Weather in Paris?'},
                 {'type':'function_call','id':'fc_1','call_id':'call_1','name':'get_weather',
                  'arguments':'{\\'city\\':\\'Paris\\'}','status':'completed'},
                 {'type':'function_call_output','call_id':'call_1','output':'18C, cloudy'},
                 {'type':'function_call_output','call_id':'call_2','output':[
                    {'type':'input_text','text':'see image'},{'type':'input_image','image_url':'https://x/y.png'}]},
                 {'type':'item_reference','id':'msg_9'},
                 {'type':'reasoning','id':'rs_1','summary':[],'encrypted_content':null}]""");
        int expected = 3 + o("user") + o("Weather in Paris?")
                + 3 + o("call_1") + o("get_weather") + o("{\"city\":\"Paris\"}")
                + 3 + o("call_1") + o("18C, cloudy")
                + 3 + o("call_2") + o("see image") + 85
                + 3
                + 3
                + 3;
        assertEquals(expected, counter.countResponsesInput("gpt-4o", null, input, null));
    }

    @Test
    void responsesFlatFunctionToolsCountLikeChatTools() {
        JsonNode chatTools = json("""
                [{'type':'function','function':{'name':'get_weather','description':'Get the weather',
                   'parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}}}]""");
        JsonNode responsesTools = json("""
                [{'type':'function','name':'get_weather','description':'Get the weather','strict':true,
                  'parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}},
                 {'type':'web_search'}]""");
        JsonNode user = json("[{'role':'user','content':'Weather?'}]");
        assertEquals(counter.countChat("gpt-4o", user, chatTools),
                counter.countResponsesInput("gpt-4o", null, json("'Weather?'"), responsesTools));
        JsonNode withSystem = json("[{'role':'system','content':'Be brief.'},{'role':'user','content':'Weather?'}]");
        assertEquals(counter.countChat("gpt-4o", withSystem, chatTools),
                counter.countResponsesInput("gpt-4o", json("'Be brief.'"), json("'Weather?'"), responsesTools));
        assertEquals(counter.countChat("gpt-4o", withSystem, chatTools), counter.countResponsesInput("gpt-4o", null,
                json("[{'role':'system','content':'Be brief.'},{'role':'user','content':'Weather?'}]"), responsesTools));
        assertEquals(counter.countChat("gpt-4o", user, null),
                counter.countResponsesInput("gpt-4o", null, json("'Weather?'"), json("[]")));
    }

    @Test
    void responsesOddShapesCountWhatCanBeReadAndNeverThrow() {
        assertEquals(3, counter.countResponsesInput("gpt-4o", null, null, null));
        assertEquals(3, counter.countResponsesInput("gpt-4o", json("7"), json("42"), json("{}")));
        assertEquals(3, counter.countResponsesInput("gpt-4o", null, json("{'role':'user','content':'x'}"), null));
        assertEquals(3 + 3 + o("user") + 3 + 3, counter.countResponsesInput("gpt-4o", json("['not','text']"),
                json("[null, 'bare', 5, {'role':'user','content':{'text':'object content'}}, {}, {'type':7}]"), null));
        assertEquals(3 + c("user") + c("ok") + 3, counter.countResponsesInput(null, null,
                json("[{'role':'user','content':[null, 'x', {'type':'input_text'}, {'type':'input_text','text':'ok'}]}]"),
                null));
    }

    private static int o(String s) {
        return O200K.countTokensOrdinary(s);
    }

    private static int c(String s) {
        return CL100K.countTokensOrdinary(s);
    }
}
