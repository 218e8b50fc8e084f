package dev.fastllm.core.tokens;

import org.junit.jupiter.api.Test;

/** Counts and pieces equal JTokkit's on thousands of generated inputs per run (new seed each run). */
class DifferentialPropertiesTest {

    @Test
    void mixedAtomsSpacesAndCodePoints() {
        Properties.forAll("mixed", 4000, Generators::mixed, Properties::sameAsJTokkit);
    }

    @Test
    void anySixteenBitChars() {
        Properties.forAll("raw chars", 3000, Generators::rawChars, Properties::sameAsJTokkit);
    }

    @Test
    void randomBytesDecodedAsUtf8() {
        Properties.forAll("utf-8 bytes", 3000, Generators::utf8Bytes, Properties::sameAsJTokkit);
    }

    @Test
    void longRuns() {
        Properties.forAll("long runs", 300, Generators::longRuns, Properties::sameAsJTokkit);
    }
}
