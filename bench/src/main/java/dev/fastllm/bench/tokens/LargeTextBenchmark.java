package dev.fastllm.bench.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fastllm.core.tokens.TokenCounter;
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
 * One whole corpus file (160 000 to 330 000 chars) per operation, ours against JTokkit 1.1.0's
 * {@code countTokensOrdinary} in the same JVM; the {@code chars} counter is chars/s. Setup refuses to
 * run if the two counts differ.
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
    private TokenCounter ours;
    private Encoding jtokkit;

    @Setup
    public void setUp() {
        text = Corpus.file(corpus);
        ours = TokenCounter.of(encoding);
        jtokkit = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(encoding).orElseThrow());
        int expected = jtokkit.countTokensOrdinary(text);
        int actual = ours.count(text);
        if (expected != actual) {
            throw new IllegalStateException(corpus + "/" + encoding + ": " + actual + " != JTokkit " + expected);
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
}
