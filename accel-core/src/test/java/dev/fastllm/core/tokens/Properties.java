package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    /** Counts and pieces of both encodings equal JTokkit's for {@code text}. */
    static void sameAsJTokkit(String text) {
        assertEquals(Oracle.o200kPieces(text), Oracle.ourO200kPieces(text), "o200k_base pieces");
        assertEquals(Oracle.cl100kPieces(text), Oracle.ourCl100kPieces(text), "cl100k_base pieces");
        for (String encoding : ENCODINGS) {
            assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text), encoding + " count");
        }
    }
}
