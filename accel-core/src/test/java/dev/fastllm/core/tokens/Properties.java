package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.knuddels.jtokkit.api.EncodingResult;
import com.knuddels.jtokkit.api.IntArrayList;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small property-based runner: generated inputs from a seeded generator, a property per input, and
 * on failure the base seed (rerun with {@code -Dtokens.seed=<seed>}), the case number, and a shrunk
 * input (chunks removed while the property still fails) next to the original.
 */
final class Properties {
    static final long BASE_SEED = Long.getLong("tokens.seed", System.nanoTime());
    static final String[] ENCODINGS = {Encoding.CL100K_BASE, Encoding.O200K_BASE};

    private Properties() {
    }

    static void forAll(String name, int cases, Function<SplittableRandom, String> generator, Consumer<String> property) {
        SplittableRandom seeds = new SplittableRandom(BASE_SEED ^ name.hashCode());
        for (int i = 0; i < cases; i++) {
            long seed = seeds.nextLong();
            String input = generator.apply(new SplittableRandom(seed));
            try {
                property.accept(input);
            } catch (AssertionError | RuntimeException failure) {
                String small = shrink(input, property);
                AssertionError report = new AssertionError(name + ": property failed; base seed " + BASE_SEED
                        + " (rerun with -Dtokens.seed=" + BASE_SEED + "), case " + i + "\n shrunk:   "
                        + Oracle.describe(small) + "\n original: " + Oracle.describe(input), failure);
                throw report;
            }
        }
    }

    private static boolean fails(String input, Consumer<String> property) {
        try {
            property.accept(input);
            return false;
        } catch (AssertionError | RuntimeException e) {
            return true;
        }
    }

    static String shrink(String input, Consumer<String> property) {
        String current = input;
        for (int chunk = Math.max(1, current.length() / 2); chunk >= 1; chunk /= 2) {
            boolean progress = true;
            while (progress) {
                progress = false;
                for (int at = 0; at + chunk <= current.length(); at += chunk) {
                    String candidate = current.substring(0, at) + current.substring(at + chunk);
                    if (fails(candidate, property)) {
                        current = candidate;
                        progress = true;
                        break;
                    }
                }
            }
        }
        return current;
    }

    /** Pieces, counts, token ids, decoded bytes and limited encodings of both encodings equal JTokkit's. */
    static void sameAsJTokkit(String text) {
        assertEquals(Oracle.o200kPieces(text), Oracle.ourO200kPieces(text), "o200k_base pieces");
        assertEquals(Oracle.cl100kPieces(text), Oracle.ourCl100kPieces(text), "cl100k_base pieces");
        for (String encoding : ENCODINGS) {
            assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text), encoding + " count");
            sameEncodingAsJTokkit(encoding, text);
        }
    }

    /**
     * {@code encodeOrdinary}, {@code decodeBytes}, {@code decode}, {@code encode} (which throws on special
     * tokens) and {@code encodeOrdinary(text, max)} at a limit chosen from the text give JTokkit's answers.
     */
    /**
     * Longer encodings skip the limit check: where the ids do not decode to the text (an unpaired
     * surrogate), JTokkit cuts one id at a time and decodes the rest each time, quadratic in the ids.
     */
    private static final int LIMITED_IDS = 300;

    static void sameEncodingAsJTokkit(String encoding, String text) {
        com.knuddels.jtokkit.api.Encoding jtokkit = Oracle.encoding(encoding);
        Tokenizer ours = Tokenizer.of(encoding);
        IntArrayList expected = jtokkit.encodeOrdinary(text);
        int[] ids = ours.encodeOrdinary(text);
        assertArrayEquals(expected.toArray(), ids, encoding + " ids");
        assertArrayEquals(jtokkit.decodeBytes(expected), ours.decodeBytes(ids), encoding + " decoded bytes");
        assertEquals(jtokkit.decode(expected), ours.decode(ids), encoding + " decoded text");
        if (ids.length <= LIMITED_IDS) {
            int max = Math.floorMod(text.hashCode(), ids.length + 2);
            sameResult(jtokkit.encodeOrdinary(text, max), ours.encodeOrdinary(text, max), encoding + " max " + max);
        }
        boolean refused;
        try {
            assertArrayEquals(jtokkit.encode(text).toArray(), ours.encode(text), encoding + " encode");
            refused = false;
        } catch (UnsupportedOperationException e) {
            assertThrows(UnsupportedOperationException.class, () -> ours.encode(text), encoding + " encode");
            refused = true;
        }
        assertEquals(refused, ours.containsSpecialToken(text), encoding + " special token");
    }

    /** {@code encodeOrdinary} gives JTokkit's ids (the lighter check, for exhaustive loops). */
    static void sameIdsAsJTokkit(String encoding, String text) {
        assertArrayEquals(Oracle.encoding(encoding).encodeOrdinary(text).toArray(),
                Tokenizer.of(encoding).encodeOrdinary(text), () -> encoding + " ids " + Oracle.describe(text));
    }

    static void sameResult(EncodingResult expected, EncodedText actual, String what) {
        assertArrayEquals(expected.getTokens().toArray(), actual.tokens(), what + " tokens");
        assertEquals(expected.isTruncated(), actual.truncated(), what + " truncated");
        assertEquals(expected.getLastProcessedCharacterIndex(), actual.lastProcessedCharacterIndex(),
                what + " last processed index");
    }
}
