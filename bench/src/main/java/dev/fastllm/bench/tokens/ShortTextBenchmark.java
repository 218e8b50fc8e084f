package dev.fastllm.bench.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fastllm.core.tokens.TokenCounter;
import java.util.List;
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
 * One short text (under 100 chars, 20 000 of them cycled, drawn from every corpus file) per
 * operation: the per-call cost that a gateway pays on each message. {@code chars} is chars/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ShortTextBenchmark {
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    private String[] texts;
    private int next;
    private TokenCounter ours;
    private Encoding jtokkit;

    @Setup
    public void setUp() {
        List<String> list = Corpus.shortTexts();
        texts = list.toArray(new String[0]);
        ours = TokenCounter.of(encoding);
        jtokkit = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(encoding).orElseThrow());
        for (String t : texts) {
            if (ours.count(t) != jtokkit.countTokensOrdinary(t)) {
                throw new IllegalStateException(encoding + ": count differs from JTokkit for " + t);
            }
        }
    }

    private String nextText() {
        String t = texts[next];
        next = next + 1 == texts.length ? 0 : next + 1;
        return t;
    }

    @Benchmark
    public int ours(CharsPerSecond rate) {
        String t = nextText();
        rate.chars += t.length();
        return ours.count(t);
    }

    @Benchmark
    public int jtokkit(CharsPerSecond rate) {
        String t = nextText();
        rate.chars += t.length();
        return jtokkit.countTokensOrdinary(t);
    }
}
