package dev.fastllm.bench.agent;

import dev.fastllm.bench.tokens.Corpus;
import dev.fastllm.gateway.tokens.PromptTokenCounter;
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
 * The demo gateway's {@code PromptTokenCounter.countText} as an application calls it, in three JVMs of one run:
 * without the agent, with the agent ({@code gateway.tokens} on, the default), and with the agent but the point
 * off (the rewritten method's cost when it only asks its flag). Run from the repository root: the forks load
 * {@code agent/target/fast-llm-agent.jar}. Texts: {@code short} (20 000 chat-sized lines under 100 chars,
 * cycled), {@code medium} (256 slices of 2 000 chars, cycled: each seen again, as chat histories are resent),
 * {@code mediumNew} (4 096 slices of 2 000 chars, 8 M chars in all: more than the agent's memo holds, so mostly
 * counted afresh), {@code large} (the 330 K-char prose file, again and again). Every call gets a new String
 * (copied from a char array, in every variant alike), as each request a gateway parses does, so a memo hit
 * pays for hashing and comparing the text. Unit: ops/s (one text per op).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CountTextBenchmark {

    static final String AGENT = "-javaagent:agent/target/fast-llm-agent.jar";

    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    @Param({"short", "medium", "mediumNew", "large"})
    public String texts;

    private final PromptTokenCounter counter = new PromptTokenCounter();
    private char[][] all;
    private int next;

    @Setup
    public void setUp() {
        String corpus = Corpus.file("prose") + Corpus.file("code") + Corpus.file("mixed");
        List<String> list = new ArrayList<>();
        switch (texts) {
            case "short":
                list.addAll(Corpus.shortTexts());
                break;
            case "medium":
                slices(corpus, 256, 2_000, list);
                break;
            case "mediumNew":
                slices(corpus, 4_096, 2_000, list);
                break;
            default:
                list.add(Corpus.file("prose"));
                break;
        }
        all = new char[list.size()][];
        for (int i = 0; i < all.length; i++) {
            all[i] = list.get(i).toCharArray();
        }
    }

    private static void slices(String corpus, int n, int length, List<String> into) {
        int step = (corpus.length() - length) / n;
        for (int i = 0; i < n; i++) {
            into.add(corpus.substring(i * step, i * step + length));
        }
    }

    /** A new String each call, as a gateway gets from parsing each request (no cached hash, no shared identity). */
    private String nextText() {
        char[] t = all[next];
        next = next + 1 == all.length ? 0 : next + 1;
        return new String(t);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public int noAgent() {
        return counter.countText(encoding, nextText());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT})
    public int agentOn() {
        return counter.countText(encoding, nextText());
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", AGENT + "=gateway.tokens=off"})
    public int agentOff() {
        return counter.countText(encoding, nextText());
    }
}
