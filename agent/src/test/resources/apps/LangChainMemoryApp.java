import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.chat.TokenWindowChatMemory;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A LangChain4j application (run as a source file by the agent's tests, against LangChain4j's real jars): a
 * token-window chat memory over an 80-turn conversation per model, printing after every turn how many messages
 * it keeps and their token count, and at the end the kept messages and the estimator's ids for the last answer.
 * Standard output must be the same with and without the agent. Given a metrics port, prints the agent's jtokkit
 * metrics on standard error. Usage: {@code LangChainMemoryApp.java [metricsPort]}.
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
                memory.add(UserMessage.from(text(r, 3 + r.nextInt(30))));
                last = text(r, 40 + r.nextInt(400));
                memory.add(AiMessage.from(last));
                List<ChatMessage> kept = memory.messages();
                System.out.println(model + " turn " + turn + " kept " + kept.size() + " tokens "
                        + estimator.estimateTokenCountInMessages(kept));
            }
            for (ChatMessage m : memory.messages()) {
                System.out.println(model + " kept " + m.type() + " " + m.toString().hashCode());
            }
            List<Integer> ids = estimator.encode(last);
            System.out.println(model + " ids " + ids.hashCode() + " " + ids.size() + " decoded "
                    + estimator.decode(ids).equals(last) + " limited " + estimator.encode(last, 7));
        }
        if (args.length > 0) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + args[0] + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("fastllm_") && line.contains("point=\"jtokkit")) {
                    System.err.println("metrics " + line);
                }
            }
        }
    }

    static String text(SplittableRandom r, int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
