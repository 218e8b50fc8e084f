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
 * Long runs of one character class, one text per operation, where a single piece is up to a million
 * chars long: the inputs where byte-pair merging's cost per piece shows. Ours against JTokkit 1.1.0 in
 * the same JVM, counting and encoding; setup refuses to run if the counts or the ids differ. Times per
 * operation, since one JTokkit operation can take most of a second.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class LongRunBenchmark {
    @Param({"o200k_base", "cl100k_base"})
    public String encoding;

    @Param({"spaces-100k", "newlines-100k", "spaces-1M", "newlines-1M", "letter-1M", "punctuation-1M", "emoji-1M"})
    public String input;

    private String text;
    private Tokenizer ours;
    private Encoding jtokkit;

    /** The text named by {@code input}: what repeats, and how many chars. */
    static String text(String input) {
        int dash = input.indexOf('-');
        String kind = input.substring(0, dash);
        int chars = input.endsWith("1M") ? 1_000_000 : 100_000;
        String unit;
        switch (kind) {
            case "spaces":
                unit = " ";
                break;
            case "newlines":
                unit = "\n";
                break;
            case "letter":
                unit = "a";
                break;
            case "punctuation":
                unit = ".";
                break;
            case "emoji":
                unit = "\uD83D\uDE00";
                break;
            default:
                throw new IllegalArgumentException(input);
        }
        return unit.repeat(chars / unit.length());
    }

    @Setup
    public void setUp() {
        text = text(input);
        ours = Tokenizer.of(encoding);
        jtokkit = Encodings.newLazyEncodingRegistry()
                .getEncoding(EncodingType.fromName(encoding).orElseThrow());
        int expected = jtokkit.countTokensOrdinary(text);
        int actual = ours.count(text);
        if (expected != actual) {
            throw new IllegalStateException(input + "/" + encoding + ": " + actual + " != JTokkit " + expected);
        }
        if (!Arrays.equals(jtokkit.encodeOrdinary(text).toArray(), ours.encodeOrdinary(text))) {
            throw new IllegalStateException(input + "/" + encoding + ": ids differ from JTokkit's");
        }
    }

    @Benchmark
    public int ours() {
        return ours.count(text);
    }

    @Benchmark
    public int jtokkit() {
        return jtokkit.countTokensOrdinary(text);
    }

    @Benchmark
    public int[] oursEncode() {
        return ours.encodeOrdinary(text);
    }

    @Benchmark
    public IntArrayList jtokkitEncode() {
        return jtokkit.encodeOrdinary(text);
    }
}
