package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * cl100k_base pieces, rule by rule; every expectation is also checked against JTokkit's own scanner,
 * so an expectation cannot drift from the reference.
 */
class Cl100kSplitterTest {

    private static void split(String text, String... expected) {
        List<String> hex = new ArrayList<>();
        for (String piece : expected) {
            hex.add(Oracle.hex(piece.getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(hex, Oracle.cl100kPieces(text), "JTokkit's scanner");
        assertEquals(hex, Oracle.ourCl100kPieces(text), "our splitter");
    }

    @Test
    void rule1ContractionsInAnyCase() {
        split("'s't're've'm'll'd", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d");
        split("'S'T'RE'VE'M'LL'D'rE'Ll", "'S", "'T", "'RE", "'VE", "'M", "'LL", "'D", "'rE", "'Ll");
        split("'\u017F", "'\u017F");
        split("don't", "don", "'t");
        split("'x", "'x");
        split("''s", "''", "s"); // two symbols first: no contraction
    }

    @Test
    void rule2LettersWithOneOptionalPrefix() {
        split("hello World", "hello", " World");
        split("HTTPServer camelCase", "HTTPServer", " camelCase");
        split("$x\tY", "$x", "\tY");
        split("\u3000word", "\u3000word");
        split("\nword", "\n", "word");
        split("日本語", "日本語");
        split("e\u0301", "e", "\u0301"); // marks are not letters here
    }

    @Test
    void rule3NumbersInThrees() {
        split("1234567", "123", "456", "7");
        split("\u0660\u0661\u0662\u0663", "\u0660\u0661\u0662", "\u0663");
        split("x\u00B2", "x", "\u00B2");
    }

    @Test
    void rule4SymbolsWithOptionalSpaceAndTrailingBreaks() {
        split("...", "...");
        split("a ...\n\nb", "a", " ...\n\n", "b");
        split("<|endoftext|>", "<|", "endoftext", "|>");
        split("x //\n/y", "x", " //\n", "/y");
        split("\u0301\u0301", "\u0301\u0301");
    }

    @Test
    void rule5SpacesEndingInALineBreak() {
        split("a  \n  b", "a", "  \n", " ", " b");
        split("\n\n  ", "\n\n", "  ");
        split("\r\n", "\r\n");
        split("\n \n x", "\n \n", " x");
    }

    @Test
    void rules6And7SpaceRuns() {
        split("a    b", "a", "   ", " b");
        split("a    ", "a", "    ");
        split("x\t1", "x", "\t", "1");
        split("x\u2003\u2003!", "x", "\u2003", "\u2003", "!"); // only a plain space joins symbols
        split("\uFEFFx", "\uFEFFx");
        split(" ", " ");
    }
}
