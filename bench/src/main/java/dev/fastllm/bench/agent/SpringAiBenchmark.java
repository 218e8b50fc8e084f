package dev.fastllm.bench.agent;

import com.knuddels.jtokkit.api.EncodingType;
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
import org.springframework.ai.document.Document;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.transformer.splitter.TokenTextSplitter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Spring AI's token code in two JVMs of one run: without the agent and with it (every point on, the default), where
 * Spring AI's JTokkit calls are answered by {@code jtokkit.tokens} and its encodings built once by
 * {@code jtokkit-registry.tokens}. Run from the repository root: the agent forks load
 * {@code agent/target/fast-llm-agent.jar}.
 *
 * <ul>
 *   <li>{@code split}: {@code TokenTextSplitter} (the builder's defaults, 800-token chunks, in the encoding) over the
 *       corpus files again and again up to 2 000 000 chars, as documents of at most one file each; ms per run,
 *       returning a checksum of the chunk texts.</li>
 *   <li>{@code estimate}: {@code JTokkitTokenCountEstimator.estimate(String)} over 20 000 chat-sized texts, slices
 *       of the corpus, one text per op: {@code chat} 50 to 1 550 chars (16 M chars in all, eight times what the
 *       agent's count memo holds, so mostly counted afresh), {@code under512} 50 to 511 chars (below the memo's
 *       threshold: every one counted).</li>
 *   <li>{@code newEstimator}, {@code newSplitter}: constructing a second and later estimator or splitter (each
 *       makes its own JTokkit registry and asks it for its encoding); us per construction.</li>
 * </ul>
 */
@State(Scope.Thread)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 3, time = 2)
public class SpringAiBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";
    static final int SPLIT_CHARS = 2_000_000;

    @Param({"cl100k_base", "o200k_base"})
    public String encoding;

    private List<Document> documents;
    private TokenTextSplitter splitter;
    private JTokkitTokenCountEstimator estimator;
    private EncodingType type;

    @Setup
    public void setUp() {
        type = EncodingType.fromName(encoding).orElseThrow();
        documents = documents(SPLIT_CHARS);
        splitter = TokenTextSplitter.builder().withEncodingType(type).build();
        estimator = new JTokkitTokenCountEstimator(type);
    }

    /** The corpus files, again and again, as documents of at most one file each, up to {@code chars} chars. */
    static List<Document> documents(int chars) {
        List<Document> docs = new ArrayList<>();
        int total = 0;
        for (int round = 0; total < chars; round++) {
            for (String name : Corpus.FILES) {
                String text = Corpus.file(name);
                text = text.substring(0, Math.min(text.length(), chars - total));
                docs.add(new Document(name + "-" + round, text, Map.of("source", name)));
                total += text.length();
                if (total == chars) {
                    break;
                }
            }
        }
        return docs;
    }

    /** The texts of {@code estimate}, one after the other. */
    @State(Scope.Thread)
    public static class Chat {
        @Param({"chat", "under512"})
        public String texts;

        private String[] all;
        private int next;

        @Setup
        public void setUp() {
            all = chatTexts(20_000, texts.equals("chat") ? 1_550 : 511);
        }

        String next() {
            String t = all[next];
            next = next + 1 == all.length ? 0 : next + 1;
            return t;
        }
    }

    /** Slices of 50 to {@code maxChars} chars of the whole corpus, at seeded positions. */
    static String[] chatTexts(int n, int maxChars) {
        StringBuilder all = new StringBuilder();
        for (String name : Corpus.FILES) {
            all.append(Corpus.file(name));
        }
        SplittableRandom r = new SplittableRandom(42);
        String[] texts = new String[n];
        for (int i = 0; i < n; i++) {
            int len = 50 + r.nextInt(maxChars - 49);
            int from = r.nextInt(all.length() - len);
            texts[i] = all.substring(from, from + len);
        }
        return texts;
    }

    /** Splits every document; a checksum of the chunk texts and their number. */
    static long split(TokenTextSplitter splitter, List<Document> documents) {
        List<Document> chunks = splitter.apply(documents);
        long sum = 0;
        for (Document c : chunks) {
            sum = sum * 31 + c.getText().hashCode();
        }
        return sum * 10_000 + chunks.size();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public long splitNoAgent() {
        return split(splitter, documents);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public long splitAgent() {
        return split(splitter, documents);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public int estimateNoAgent(Chat chat) {
        return estimator.estimate(chat.next());
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public int estimateAgent(Chat chat) {
        return estimator.estimate(chat.next());
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public JTokkitTokenCountEstimator newEstimatorNoAgent() {
        return new JTokkitTokenCountEstimator(type);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public JTokkitTokenCountEstimator newEstimatorAgent() {
        return new JTokkitTokenCountEstimator(type);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public TokenTextSplitter newSplitterNoAgent() {
        return TokenTextSplitter.builder().withEncodingType(type).build();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public TokenTextSplitter newSplitterAgent() {
        return TokenTextSplitter.builder().withEncodingType(type).build();
    }

    /** Prints the split checksum and the estimates' sum: run it with and without the agent and compare. */
    public static void main(String[] args) {
        for (EncodingType t : new EncodingType[] {EncodingType.CL100K_BASE, EncodingType.O200K_BASE}) {
            System.out.println("split " + t.getName() + " "
                    + split(TokenTextSplitter.builder().withEncodingType(t).build(), documents(SPLIT_CHARS)));
            JTokkitTokenCountEstimator e = new JTokkitTokenCountEstimator(t);
            long sum = 0;
            for (String text : chatTexts(20_000, 1_550)) {
                sum = sum * 31 + e.estimate(text);
            }
            System.out.println("estimate " + t.getName() + " " + sum);
        }
    }
}
