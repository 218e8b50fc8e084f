package dev.fastllm.bench.agent;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.chat.TokenWindowChatMemory;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;
import dev.fastllm.bench.tokens.Corpus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * LangChain4j 1.19's {@code TokenWindowChatMemory} over a 200-turn conversation (a user message and an answer
 * per turn, texts from the corpus), with {@code OpenAiTokenCountEstimator}, in two JVMs of one run: without the
 * agent and with it. LangChain4j counts through JTokkit, so with the agent its counts are answered by the points
 * {@code langchain4j.tokens} (its own arithmetic over remembered text counts) and {@code jtokkit-registry.tokens}. The memory
 * recounts its whole window on every add, so the work grows with the square of the window. One operation is the
 * whole conversation; it returns a checksum of the messages kept at the end, so both sides can be compared.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ChatMemoryBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";
    static final int TURNS = 200;

    /** gpt-4o-mini counts with o200k_base, gpt-3.5-turbo with cl100k_base. */
    @Param({"gpt-4o-mini", "gpt-3.5-turbo"})
    public String model;

    /** The memory's window in tokens. */
    @Param({"8000"})
    public int maxTokens;

    private OpenAiTokenCountEstimator estimator;
    private String[] user;
    private String[] answers;

    @Setup
    public void setUp() {
        estimator = new OpenAiTokenCountEstimator(model);
        List<String> lines = Corpus.shortTexts();
        String prose = Corpus.file("prose");
        user = new String[TURNS];
        answers = new String[TURNS];
        for (int i = 0; i < TURNS; i++) {
            user[i] = lines.get((i * 37) % lines.size());
            int from = (i * 1_499) % (prose.length() - 1_200);
            answers[i] = prose.substring(from, from + 300 + (i * 53) % 900);
        }
    }

    /** The conversation; a checksum of the kept messages' texts and their number. */
    static long converse(OpenAiTokenCountEstimator estimator, int maxTokens, String[] user, String[] answers) {
        TokenWindowChatMemory memory = TokenWindowChatMemory.withMaxTokens(maxTokens, estimator);
        for (int i = 0; i < user.length; i++) {
            memory.add(UserMessage.from(user[i]));
            memory.add(AiMessage.from(answers[i]));
        }
        long sum = 0;
        for (ChatMessage m : memory.messages()) {
            sum = sum * 31 + m.toString().hashCode();
        }
        return sum * 1_000 + memory.messages().size();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public long noAgent() {
        return converse(estimator, maxTokens, user, answers);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public long agent() {
        return converse(estimator, maxTokens, user, answers);
    }

    /** Prints the checksum without and with nothing else: run it with and without the agent and compare. */
    public static void main(String[] args) {
        ChatMemoryBenchmark b = new ChatMemoryBenchmark();
        for (String model : new String[] {"gpt-4o-mini", "gpt-3.5-turbo"}) {
            b.model = model;
            b.maxTokens = 8000;
            b.setUp();
            System.out.println(model + " " + converse(b.estimator, b.maxTokens, b.user, b.answers));
        }
    }
}
