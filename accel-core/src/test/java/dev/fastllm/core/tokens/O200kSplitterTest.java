package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * o200k_base pieces, rule by rule; every expectation is also checked against the regex as JTokkit
 * compiles it, so an expectation cannot drift from the reference.
 */
class O200kSplitterTest {

    private static void split(String text, String... expected) {
        assertEquals(List.of(expected), Oracle.o200kPieces(text), "regex reference");
        assertEquals(List.of(expected), Oracle.ourO200kPieces(text), "our splitter");
    }

    @Test
    void rule1LowerCaseTailWithOptionalPrefixAndContraction() {
        split("hello world", "hello", " world");
        split("Hello", "Hello");
        split("HTTPServer", "HTTPServer");
        split("camelCase", "camel", "Case");
        split("don't they're I'M", "don't", " they're", " I'M");
        split("it'S we'Ve", "it'S", " we'Ve");
        split("it\u017F", "it\u017F");
        split("it'\u017F", "it'\u017F"); // U+017F folds to s under Unicode case
        split("$hello", "$hello");
        split("\thello", "\thello");
        split("\u3000word", "\u3000word");
        split("\uD800abc", "\uD800abc"); // an unpaired surrogate is a prefix like any symbol
        split("\nhello", "\n", "hello"); // a line break is never a prefix
        split("日本語", "日本語");
        split("e\u0301t\u00E9", "e\u0301t\u00E9"); // marks belong to both letter runs
    }

    @Test
    void rule1BacksOffTheUpperRunToItsLastLowerMember() {
        // \u02B0 is Lm: in both runs, so "AB\u02B0C" ends after \u02B0 and C starts anew
        split("AB\u02B0C", "AB\u02B0", "C");
        split("\u01C5x", "\u01C5x"); // titlecase then lower
    }

    @Test
    void rule2UpperCaseRuns() {
        split("HELLO", "HELLO");
        split("HELLO world", "HELLO", " world");
        split("ALL'S", "ALL'S");
        split(" ABC", " ABC");
        split("\u01C5", "\u01C5"); // Lt alone: only rule 2 matches
        split("I'LL", "I'LL");
    }

    @Test
    void rule3NumbersInThrees() {
        split("1234567", "123", "456", "7");
        split("\u0660\u0661\u0662\u0663", "\u0660\u0661\u0662", "\u0663");
        split("x\u00B2\u00BD", "x", "\u00B2\u00BD");
        split("\uD835\uDFCE\uD835\uDFCF", "\uD835\uDFCE\uD835\uDFCF"); // supplementary digits
        split("a1", "a", "1");
    }

    @Test
    void rule4SymbolsWithOptionalSpaceAndTrailingBreaksAndSlashes() {
        split("...", "...");
        split("a ...", "a", " ...");
        split("x!\n\n", "x", "!\n\n");
        split("x //\n/y", "x", " //\n/", "y");
        split("<|endoftext|>", "<|", "endoftext", "|>");
        split("\u0301", "\u0301"); // a lone mark is a lower-ish run of its own
        split("  !", " ", " !");
    }

    @Test
    void rule5SpacesEndingInLineBreaks() {
        split("a  \n  b", "a", "  \n", " ", " b");
        split("\n\n\n", "\n\n\n");
        split("\r\n\t\r\nx", "\r\n\t\r\n", "x");
        split(" \u2028\n x", " \u2028\n", " x");
    }

    @Test
    void rules6And7SpaceRuns() {
        split("a    b", "a", "   ", " b");
        split("a    ", "a", "    ");
        split("a \u00A0\u2003!", "a", " \u00A0", "\u2003", "!"); // only a plain space joins symbols
        split("\u2003\u2003", "\u2003\u2003");
        split("x\t1", "x", "\t", "1");
        split("\uFEFFx", "\uFEFFx"); // U+FEFF is not white space
    }
}
