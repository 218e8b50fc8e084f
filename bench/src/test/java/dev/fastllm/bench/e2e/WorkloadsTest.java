package dev.fastllm.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bodies the runner sends are valid chat requests of the sizes the report says, one per line. */
class WorkloadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Workloads WORKLOADS = Workloads.fromClassPath();

    @Test
    void everyBodyIsOneLineOfValidChatJsonForItsGroup() throws Exception {
        List<Workloads.Workload> all = WORKLOADS.all(false);
        assertEquals(List.of("chat-o200k", "chat-cl100k", "rag-o200k", "rag-cl100k", "multiturn-o200k", "stream-o200k"),
                all.stream().map(Workloads.Workload::name).toList());
        assertEquals(List.of("chat-o200k", "rag-o200k", "stream-o200k"),
                WORKLOADS.all(true).stream().map(Workloads.Workload::name).toList());
        for (Workloads.Workload w : all) {
            assertEquals(w.name().startsWith("stream"), w.slowMock(), w.name());
            for (String body : w.bodies()) {
                assertFalse(body.contains("\n"), w.name());
                JsonNode n = JSON.readTree(body);
                assertEquals(w.group(), n.path("model").asText());
                assertEquals(w.slowMock(), n.path("stream").asBoolean(false));
                assertTrue(n.path("messages").size() >= 2);
                for (JsonNode m : n.path("messages")) {
                    assertFalse(m.path("content").asText().isEmpty(), w.name());
                }
            }
        }
    }

    @Test
    void ragPromptsSpanTwoToSixteenThousandTokensAndAreDistinct() throws Exception {
        Encoding o200k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        List<String> rag = WORKLOADS.rag(Workloads.O200K);
        assertEquals(256, rag.size());
        assertEquals(256, new HashSet<>(rag).size());
        long chars = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int i = 0; i < rag.size(); i += 15) { // every 15th, both ends included, keeps the test short
            String user = JSON.readTree(rag.get(i)).path("messages").get(1).path("content").asText();
            int tokens = o200k.countTokensOrdinary(user);
            min = Math.min(min, tokens);
            max = Math.max(max, tokens);
        }
        for (String b : rag) {
            chars += b.length();
        }
        assertTrue(min >= 1_500 && min <= 2_500, "smallest RAG prompt: " + min + " tokens");
        assertTrue(max >= 12_000 && max <= 20_000, "largest RAG prompt: " + max + " tokens");
        assertTrue(chars > 8_000_000, "more than the agent's 2 M-char memo: " + chars);
    }

    @Test
    void multiturnResendsAGrowingHistory() throws Exception {
        List<String> turns = WORKLOADS.multiturn(Workloads.O200K);
        assertEquals(16 * 12, turns.size());
        JsonNode first = JSON.readTree(turns.get(0)).path("messages");
        JsonNode secondTurnSameConversation = JSON.readTree(turns.get(16)).path("messages");
        assertEquals(2, first.size());
        assertEquals(4, secondTurnSameConversation.size());
        assertEquals(first.get(1), secondTurnSameConversation.get(1), "the history is resent as it was");
        assertEquals(24, JSON.readTree(turns.get(turns.size() - 1)).path("messages").size());
    }

    @Test
    void jsonStringsEscapeControlCharacters() throws Exception {
        StringBuilder sb = new StringBuilder();
        String text = "a\"b\\c\nd\te\u0001f\u2028g";
        Json.string(sb, text);
        assertFalse(sb.toString().contains("\n"));
        assertEquals(text, JSON.readTree(sb.toString()).asText());
    }

    @Test
    void configHasEveryKeyWithLimitsThatNeverRefuse() throws Exception {
        Path dir = Files.createTempDirectory("e2e-config");
        Path config = ConfigFiles.gatewayConfig(dir, 3, 4101, 4102);
        String yaml = Files.readString(config);
        assertTrue(yaml.contains("api_base: http://127.0.0.1:4101/v1"));
        assertTrue(yaml.contains("api_base: http://127.0.0.1:4102/v1"));
        for (int i = 0; i < 3; i++) {
            assertTrue(yaml.contains("- {key: k" + i + ", rpm_limit: 99999999, tpm_limit: 9999999999}\n"), yaml);
        }
        assertFalse(yaml.contains("key: k3,"));
        assertTrue(Files.readString(ConfigFiles.luaScript(dir)).contains("function request()"));
        assertEquals(config, ConfigFiles.gatewayConfig(dir, 3, 4101, 4102), "reused within a run");
        Path otherMocks = ConfigFiles.gatewayConfig(dir, 3, 4201, 4202);
        assertTrue(Files.readString(otherMocks).contains("http://127.0.0.1:4201/v1"), "never another run's ports");
        ConfigFiles.deleteGatewayConfigs(dir);
        assertFalse(Files.exists(config) || Files.exists(otherMocks));
    }
}
