package dev.fastllm.bench.agent;

import dev.fastllm.bench.tokens.Corpus;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.openai.OpenAiTokenCountEstimator;
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
 * LangChain4j 1.19's {@code DocumentSplitters.recursive(500, 50, estimator)} with {@code OpenAiTokenCountEstimator}
 * over a 2 000 000-char document (the corpus's files end to end: prose, code, JSON, mixed scripts, CJK, then prose
 * again), in two JVMs of one run: without the agent and with it. The splitter counts every paragraph, sentence
 * and word it considers and the whole growing segment after every appended part, through
 * {@code estimateTokenCountInText}, which the agent's {@code langchain4j.tokens} answers. One operation splits the
 * whole document; it returns a checksum of the segments' texts, so both sides can be compared.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DocumentSplitterBenchmark {

    static final int CHARS = 2_000_000;

    /** gpt-4o-mini counts with o200k_base, gpt-3.5-turbo with cl100k_base. */
    @Param({"gpt-4o-mini", "gpt-3.5-turbo"})
    public String model;

    private DocumentSplitter splitter;
    private Document document;

    @Setup
    public void setUp() {
        splitter = DocumentSplitters.recursive(500, 50, new OpenAiTokenCountEstimator(model));
        document = Document.from(text());
    }

    /** The corpus's files end to end, cut at {@link #CHARS}. */
    static String text() {
        StringBuilder sb = new StringBuilder(CHARS);
        String[] order = {"prose", "code", "json", "mixed", "cjk", "prose"};
        for (int i = 0; sb.length() < CHARS; i++) {
            sb.append(Corpus.file(order[i % order.length])).append("\n\n");
        }
        sb.setLength(CHARS);
        return sb.toString();
    }

    /** The segments' count and a checksum of their texts. */
    static long split(DocumentSplitter splitter, Document document) {
        List<TextSegment> segments = splitter.split(document);
        long sum = 0;
        for (TextSegment s : segments) {
            sum = sum * 31 + s.text().hashCode();
        }
        return sum * 100_000 + segments.size();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
    public long noAgent() {
        return split(splitter, document);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", ChatMemoryBenchmark.AGENT})
    public long agent() {
        return split(splitter, document);
    }

    /**
     * Prints each model's checksum and time: run it with and without the agent and compare the checksums.
     * Arguments: {@code [repetitions [model]]}.
     */
    public static void main(String[] args) {
        DocumentSplitterBenchmark b = new DocumentSplitterBenchmark();
        for (String model : args.length > 1 ? new String[] {args[1]} : new String[] {"gpt-4o-mini", "gpt-3.5-turbo"}) {
            b.model = model;
            b.setUp();
            for (int i = 0; i < (args.length > 0 ? Integer.parseInt(args[0]) : 1); i++) {
                long t0 = System.nanoTime();
                long sum = split(b.splitter, b.document);
                System.out.println(model + " " + sum + " " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
        }
    }
}
