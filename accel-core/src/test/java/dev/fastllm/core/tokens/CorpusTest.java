package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The committed corpus is what the generator writes, and every count and encoding of it equals JTokkit's. */
class CorpusTest {

    static String file(String name) {
        try (InputStream in = CorpusTest.class.getResourceAsStream("/corpus/" + name + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void committedFilesAreTheGeneratorsOutput() {
        long total = 0;
        for (Map.Entry<String, String> f : CorpusGenerator.generate().entrySet()) {
            String committed = file(f.getKey());
            assertEquals(f.getValue(), committed, f.getKey() + ".txt differs from CorpusGenerator's output");
            total += committed.length();
        }
        assertTrue(total >= 1_000_000, "corpus holds " + total + " chars");
    }

    @Test
    void wholeFilesCountAndEncodeAsJTokkitDoes() {
        for (String name : CorpusGenerator.FILES) {
            String text = file(name);
            for (String encoding : Properties.ENCODINGS) {
                assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text), name + " " + encoding);
                Properties.sameEncodingAsJTokkit(encoding, text);
            }
        }
    }

    @Test
    void everyLineCountsAndEncodesAsJTokkitDoes() {
        for (String name : CorpusGenerator.FILES) {
            for (String line : file(name).split("\n")) {
                for (String encoding : Properties.ENCODINGS) {
                    assertEquals(Oracle.count(encoding, line), TokenCounter.of(encoding).count(line),
                            () -> name + " " + encoding + " " + Oracle.describe(line));
                    Properties.sameIdsAsJTokkit(encoding, line);
                }
            }
        }
    }

    @Test
    void slicesAtAnyCharOffsetHaveJTokkitsPiecesAndCounts() {
        // cuts fall anywhere, also between the two halves of a surrogate pair
        String all = String.join("", CorpusGenerator.generate().values());
        Properties.forAll("corpus slices", 2000, r -> slice(all, r), Properties::sameAsJTokkit);
    }

    private static String slice(String all, SplittableRandom r) {
        int from = r.nextInt(all.length());
        return all.substring(from, Math.min(all.length(), from + r.nextInt(1, 400)));
    }
}
