package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.server.ApiError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RequestValidator#responses}: what a Responses API request must look like, and the 400 for each mistake. */
class RequestValidatorResponsesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static RequestValidator.Parsed validate(String body) {
        return RequestValidator.responses(JSON, body.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    private static ApiError error(String body) {
        RequestValidator.Parsed p = validate(body);
        assertNull(p.body(), body);
        assertNotNull(p.error(), body);
        assertEquals(400, p.error().status(), body);
        assertEquals("invalid_request_error", p.error().type(), body);
        assertTrue(p.error().message() != null && !p.error().message().isEmpty(), body);
        return p.error();
    }

    private static void rejects(String body, String param, String code) {
        ApiError e = error(body);
        assertEquals(param, e.param(), body);
        assertEquals(code, e.code(), body);
        if (param != null) {
            assertTrue(e.message().contains("'" + param + "'"), e.message());
        }
    }

    @Test
    void acceptsTheShapesOpenAiAccepts() {
        List<String> valid = List.of(
                "{'model':'gpt-4o','input':'Hello'}",
                "{'model':'gpt-4o','input':''}",
                "{'model':'gpt-4o','input':'Hi','instructions':'Be brief.','stream':true,'max_output_tokens':16,"
                        + "'stream_options':{'include_obfuscation':false},'tools':[],'temperature':0.2}",
                "{'model':'gpt-4o','input':'Hi','instructions':null,'stream':null,'max_output_tokens':null,"
                        + "'stream_options':null,'tools':null,'temperature':null}",
                "{'model':'gpt-4o','input':[{'role':'user','content':'Hi'}]}",
                "{'model':'gpt-4o','input':[{'type':'message','role':'developer','content':[]}]}",
                "{'model':'gpt-4o','input':[{'type':'message','role':'user','content':["
                        + "{'type':'input_text','text':'What is this?'},"
                        + "{'type':'input_image','image_url':'https://example.com/a.png','detail':'high'},"
                        + "{'type':'input_file','file_id':'file-1'}]}]}",
                "{'model':'gpt-4o','input':[{'type':'message','id':'msg_1','status':'completed','role':'assistant',"
                        + "'content':[{'type':'output_text','text':'A cat.','annotations':[]}]},"
                        + "{'role':'system','content':'x'}]}",
                "{'model':'gpt-4o','input':[{'type':'function_call','call_id':'c1','name':'f','arguments':'{}'},"
                        + "{'type':'function_call_output','call_id':'c1','output':'42'},"
                        + "{'type':'item_reference','id':'rs_1'}]}");
        for (String body : valid) {
            RequestValidator.Parsed p = validate(body);
            assertNull(p.error(), () -> body + " -> " + p.error());
            assertEquals("gpt-4o", p.body().get("model").textValue());
        }
    }

    @Test
    void bodyMustBeAJsonObject() {
        rejects("", null, "invalid_json");
        rejects("{not json", null, "invalid_json");
        rejects("['model']", null, "invalid_json");
        rejects("'text'", null, "invalid_json");
    }

    @Test
    void modelIsRequired() {
        rejects("{'input':'Hi'}", "model", "missing_required_parameter");
        rejects("{'model':null,'input':'Hi'}", "model", "missing_required_parameter");
        rejects("{'model':7,'input':'Hi'}", "model", "invalid_type");
        rejects("{'model':'  ','input':'Hi'}", "model", "invalid_type");
    }

    @Test
    void inputIsRequiredAsAStringOrANonEmptyArrayOfObjects() {
        rejects("{'model':'m'}", "input", "missing_required_parameter");
        rejects("{'model':'m','input':null}", "input", "missing_required_parameter");
        rejects("{'model':'m','input':5}", "input", "invalid_type");
        rejects("{'model':'m','input':{'role':'user','content':'Hi'}}", "input", "invalid_type");
        rejects("{'model':'m','input':[]}", "input", "empty_array");
        rejects("{'model':'m','input':['Hi']}", "input[0]", "invalid_type");
        rejects("{'model':'m','input':[{'role':'user','content':'a'},null]}", "input[1]", "invalid_type");
    }

    @Test
    void itemsNeedATypeOrARole() {
        rejects("{'model':'m','input':[{'content':'Hi'}]}", "input[0].type", "missing_required_parameter");
        rejects("{'model':'m','input':[{'type':3,'role':'user','content':'Hi'}]}", "input[0].type", "invalid_type");
        rejects("{'model':'m','input':[{'type':'message','content':'Hi'}]}", "input[0].role",
                "missing_required_parameter");
    }

    @Test
    void messageItemsNeedAKnownRoleAndContent() {
        rejects("{'model':'m','input':[{'role':'boss','content':'Hi'}]}", "input[0].role", "invalid_value");
        rejects("{'model':'m','input':[{'role':'tool','content':'Hi'}]}", "input[0].role", "invalid_value");
        rejects("{'model':'m','input':[{'role':7,'content':'Hi'}]}", "input[0].role", "missing_required_parameter");
        rejects("{'model':'m','input':[{'role':'user'}]}", "input[0].content", "missing_required_parameter");
        rejects("{'model':'m','input':[{'role':'user','content':null}]}", "input[0].content",
                "missing_required_parameter");
        rejects("{'model':'m','input':[{'role':'user','content':5}]}", "input[0].content", "invalid_type");
        rejects("{'model':'m','input':[{'role':'user','content':{'type':'input_text','text':'Hi'}}]}",
                "input[0].content", "invalid_type");
    }

    @Test
    void contentPartsNeedATypeAndTextPartsText() {
        rejects("{'model':'m','input':[{'role':'user','content':['Hi']}]}", "input[0].content[0]", "invalid_type");
        rejects("{'model':'m','input':[{'role':'user','content':[{'text':'Hi'}]}]}", "input[0].content[0].type",
                "missing_required_parameter");
        rejects("{'model':'m','input':[{'role':'user','content':[{'type':'input_text','text':'a'},"
                + "{'type':'input_text'}]}]}", "input[0].content[1].text", "missing_required_parameter");
        rejects("{'model':'m','input':[{'role':'user','content':'a'},{'type':'message','role':'assistant',"
                + "'content':[{'type':'output_text','text':null}]}]}", "input[1].content[0].text",
                "missing_required_parameter");
    }

    @Test
    void optionalParametersMustHaveTheirTypes() {
        String base = "{'model':'m','input':'Hi',";
        rejects(base + "'instructions':5}", "instructions", "invalid_type");
        rejects(base + "'instructions':['a']}", "instructions", "invalid_type");
        rejects(base + "'stream':'yes'}", "stream", "invalid_type");
        rejects(base + "'max_output_tokens':0}", "max_output_tokens", "invalid_type");
        rejects(base + "'max_output_tokens':-5}", "max_output_tokens", "invalid_type");
        rejects(base + "'max_output_tokens':1.5}", "max_output_tokens", "invalid_type");
        rejects(base + "'max_output_tokens':'100'}", "max_output_tokens", "invalid_type");
        rejects(base + "'max_output_tokens':3000000000}", "max_output_tokens", "invalid_type");
        rejects(base + "'stream_options':true}", "stream_options", "invalid_type");
        rejects(base + "'tools':{}}", "tools", "invalid_type");
        rejects(base + "'temperature':3}", "temperature", "invalid_type");
    }
}
