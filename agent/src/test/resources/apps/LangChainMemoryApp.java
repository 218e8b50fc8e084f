import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.memory.chat.TokenWindowChatMemory;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A LangChain4j application (run as a source file by the agent's tests, against LangChain4j's real jars, 1.0.0 to
 * 1.19.0): a token-window chat memory over an 80-turn conversation per model, with every message type the
 * estimator counts (system, users with and without a name, answers, tool calls with one request and with
 * several, tool results), printing after every turn how many messages it keeps and their token count, and at
 * the end the kept messages, each message's own count, the estimator's ids for the last answer, and a recursive
 * document splitter's segments. Standard output must be the same with and without the agent. Given a metrics
 * port, prints the agent's jtokkit and langchain4j metrics on standard error.
 * Usage: {@code LangChainMemoryApp.java [metricsPort]}.
 */
public class LangChainMemoryApp {

    static final String[] WORDS = {"the", "model", "answers", "token", "window", "memory", "keeps", "recent",
            "messages", "and", "drops", "old", "ones", "日本語", "über", "🤖", "<|endoftext|>", "code()", "\n",
            "1234", "naïve", "Straße", "—", "tabs\t", "JSON: {\"a\": 1}"};

    public static void main(String[] args) throws Exception {
        for (String model : new String[] {"gpt-4o-mini", "gpt-3.5-turbo"}) {
            OpenAiTokenCountEstimator estimator = new OpenAiTokenCountEstimator(model);
            TokenWindowChatMemory memory = TokenWindowChatMemory.withMaxTokens(3000, estimator);
            memory.add(SystemMessage.from("You are a careful assistant."));
            SplittableRandom r = new SplittableRandom(model.length());
            String last = "";
            for (int turn = 0; turn < 80; turn++) {
                memory.add(turn % 3 == 1 ? UserMessage.from("user" + turn % 7, text(r, 3 + r.nextInt(30)))
                        : UserMessage.from(text(r, 3 + r.nextInt(30))));
                if (turn % 5 == 2) {
                    toolCall(memory, r, turn);
                }
                last = text(r, 40 + r.nextInt(400));
                memory.add(AiMessage.from(last));
                List<ChatMessage> kept = memory.messages();
                System.out.println(model + " turn " + turn + " kept " + kept.size() + " tokens "
                        + estimator.estimateTokenCountInMessages(kept));
            }
            for (ChatMessage m : memory.messages()) {
                System.out.println(model + " kept " + m.type() + " " + m.toString().hashCode() + " tokens "
                        + estimator.estimateTokenCountInMessage(m));
            }
            StringBuilder doc = new StringBuilder();
            while (doc.length() < 30_000) {
                doc.append(text(r, 5 + r.nextInt(60))).append(r.nextInt(4) == 0 ? "\n\n" : ". ");
            }
            List<TextSegment> segments = DocumentSplitters.recursive(300, 30, estimator).split(Document.from(doc.toString()));
            long hash = 0;
            for (TextSegment segment : segments) {
                hash = hash * 31 + segment.text().hashCode();
            }
            System.out.println(model + " segments " + segments.size() + " " + hash);
            System.out.println(model + " hard segments " + hardSegments(estimator, r));
            List<Integer> ids = estimator.encode(last);
            System.out.println(model + " ids " + ids.hashCode() + " " + ids.size() + " decoded "
                    + estimator.decode(ids).equals(last) + " limited " + estimator.encode(last, 7));
        }
        if (args.length > 0) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + args[0] + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("fastllm_") && (line.contains("point=\"jtokkit") || line.contains("point=\"langchain4j"))) {
                    System.err.println("metrics " + line);
                }
            }
        }
    }

    /** An answer calling one tool, or several (with and without arguments), and the tools' results. */
    static void toolCall(TokenWindowChatMemory memory, SplittableRandom r, int turn) {
        int tools = turn % 2 == 0 ? 1 : 3;
        List<ToolExecutionRequest> requests = new java.util.ArrayList<>();
        for (int i = 0; i < tools; i++) {
            requests.add(ToolExecutionRequest.builder().id("call" + turn + "_" + i).name("tool_" + WORDS[r.nextInt(5)])
                    .arguments(tools == 1 || i == 0 ? "{\"q\": \"" + WORDS[r.nextInt(13)] + "\", \"n\": " + turn + "}" : "")
                    .build());
        }
        memory.add(turn % 4 == 0 ? AiMessage.from(text(r, 4), requests) : AiMessage.from(requests));
        for (ToolExecutionRequest request : requests) {
            memory.add(ToolExecutionResultMessage.from(request, "result " + text(r, 2 + r.nextInt(20))));
        }
    }

    /** Runs that a later char can still change at a segment's end, where a resumed count must stay exact. */
    static final String[] HARD = {"WORD", "ABCDEFGHIJ", "中A", "Ǆ", "ʰ", "e\u0301", "\u0301", "don", "'", "'s", "'LL",
            "   ", "  \n", "\n  \n   ", "\r\n", "\t", "\u3000", "123", "4567", "٣", "...", "//", "😀", "\uD83D", "\uDE00",
            "𝐀𝐁", "the", "model", "x"};

    /** A recursive splitter with small segments over a document of {@link #HARD} runs: the segments' count and hash. */
    static String hardSegments(OpenAiTokenCountEstimator estimator, SplittableRandom r) {
        StringBuilder doc = new StringBuilder();
        while (doc.length() < 20_000) {
            String unit = HARD[r.nextInt(HARD.length)];
            for (int k = r.nextInt(8) == 0 ? 1 + r.nextInt(30) : 1 + r.nextInt(3); k > 0; k--) {
                doc.append(unit);
            }
            doc.append(r.nextInt(9) == 0 ? "\n\n" : r.nextInt(5) == 0 ? ". " : r.nextInt(3) == 0 ? " " : "");
        }
        long hash = 0;
        List<TextSegment> segments = DocumentSplitters.recursive(120, 20, estimator).split(Document.from(doc.toString()));
        for (TextSegment segment : segments) {
            hash = hash * 31 + segment.text().hashCode();
        }
        return segments.size() + " " + hash;
    }

    static String text(SplittableRandom r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
