package dev.fastllm.bench.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.fastllm.core.tokens.Tokenizer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
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

/**
 * One whole corpus file (160 000 to 330 000 chars) per operation, ours against JTokkit 1.1.0 in the same
 * JVM: counting ({@code countTokensOrdinary}) and encoding to ids ({@code encodeOrdinary}); the
 * {@code chars} counter is chars/s. Setup refuses to run if the counts or the ids differ.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LargeTextBenchmark {
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    @Param({"prose", "code", "json", "cjk", "mixed"})
    public String corpus;

    private String text;
    private Tokenizer ours;
    private Encoding jtokkit;

    @Setup
    public void setUp() {
        text = Corpus.file(corpus);
        ours = Tokenizer.of(encoding);
        jtokkit = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(encoding).orElseThrow());
        int expected = jtokkit.countTokensOrdinary(text);
        int actual = ours.count(text);
        if (expected != actual) {
            throw new IllegalStateException(corpus + "/" + encoding + ": " + actual + " != JTokkit " + expected);
        }
        if (!Arrays.equals(jtokkit.encodeOrdinary(text).toArray(), ours.encodeOrdinary(text))) {
            throw new IllegalStateException(corpus + "/" + encoding + ": ids differ from JTokkit's");
        }
    }

    @Benchmark
    public int ours(CharsPerSecond rate) {
        rate.chars += text.length();
        return ours.count(text);
    }

    @Benchmark
    public int jtokkit(CharsPerSecond rate) {
        rate.chars += text.length();
        return jtokkit.countTokensOrdinary(text);
    }

    @Benchmark
    public int[] oursEncode(CharsPerSecond rate) {
        rate.chars += text.length();
        return ours.encodeOrdinary(text);
    }

    @Benchmark
    public IntArrayList jtokkitEncode(CharsPerSecond rate) {
        rate.chars += text.length();
        return jtokkit.encodeOrdinary(text);
    }
}
