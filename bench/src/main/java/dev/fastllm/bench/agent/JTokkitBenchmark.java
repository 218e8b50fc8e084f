package dev.fastllm.bench.agent;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JTokkit 1.1.0 called directly, as an application calls it, in two JVMs of one run: without the agent and with
 * it (point {@code jtokkit.tokens} on, the default), where the same calls are answered by accel-core. Run from
 * the repository root: the agent forks load {@code agent/target/fast-llm-agent.jar}. Texts: {@code large} (the
 * 330 K-char prose file, again and again: the agent's count is then a memo hit, its encode a full tokenization),
 * {@code largeNew} (64 slices of 100 000 chars of the whole corpus, 6.4 M chars in all, cycled: more than the
 * agent's count memo holds, so mostly counted afresh) and {@code short} (20 000 chat-sized lines under 100 chars,
 * cycled, below the memo's threshold). Unit: ops/s (one text per op).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JTokkitBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";

    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    @Param({"large", "largeNew", "short"})
    public String texts;

    private Encoding jtokkit;
    private String[] all;
    private int next;

    @Setup
    public void setUp() {
        jtokkit = Encodings.newLazyEncodingRegistry().getEncoding(encoding).orElseThrow();
        List<String> list = new ArrayList<>();
        if (texts.equals("large")) {
            list.add(Corpus.file("prose"));
        } else if (texts.equals("largeNew")) {
            StringBuilder corpus = new StringBuilder();
            for (String name : Corpus.FILES) {
                corpus.append(Corpus.file(name));
            }
            int step = (corpus.length() - 100_000) / 64;
            for (int i = 0; i < 64; i++) {
                list.add(corpus.substring(i * step, i * step + 100_000));
            }
        } else {
            list.addAll(Corpus.shortTexts());
        }
        all = list.toArray(new String[0]);
    }

    private String nextText() {
        String t = all[next];
        next = next + 1 == all.length ? 0 : next + 1;
        return t;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public int countNoAgent() {
        return jtokkit.countTokens(nextText());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public int countAgent() {
        return jtokkit.countTokens(nextText());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public IntArrayList encodeNoAgent() {
        return jtokkit.encode(nextText());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public IntArrayList encodeAgent() {
        return jtokkit.encode(nextText());
    }
}
