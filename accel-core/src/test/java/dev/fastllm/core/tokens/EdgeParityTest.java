package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Edges the random generators reach only by chance, counts and ids compared with JTokkit directly: pieces on both
 * sides of JTokkit's 500-byte switch to its other merge algorithm, contractions whose letters are any
 * BMP char (Unicode case folding), and supplementary code points at the cl100k_base scanner's
 * hard-coded cut-offs (U+323AF letters, U+1FBF9 numbers) and at Unicode 15/16 additions near them.
 */
class EdgeParityTest {

    private static void same(String text) {
        for (String encoding : Properties.ENCODINGS) {
            assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text),
                    () -> encoding + " " + Oracle.describe(text));
            Properties.sameIdsAsJTokkit(encoding, text);
        }
    }

    @Test
    void piecesAroundJTokkitsLargePieceThreshold() {
        String[] units = {"ab", "a", "xyz", "\u4E00\u4E8C", "\u0430\u0431", "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD",
            "-=", "\u2500", " ", "\u3000 ", "\u00E9"};
        for (String unit : units) {
            int bytes = Oracle.utf8(unit).length;
            for (int total = 480; total <= 520; total++) {
                StringBuilder s = new StringBuilder();
                while (Oracle.utf8(s.toString()).length + bytes <= total) {
                    s.append(unit);
                }
                same(s.toString());
                same("x" + s + "!");
            }
        }
    }

    @Test
    void contractionsWithAnyBmpCharInEachPosition() {
        for (int c = 0; c <= 0xFFFF; c++) {
            String ch = String.valueOf((char) c);
            same("a'" + ch + "e");
            same("A'r" + ch);
            same("a'l" + ch);
        }
    }

    @Test
    void supplementaryCodePointsAtTheScannersCutOffs() {
        int[] cps = {0x1FBF0, 0x1FBF9, 0x1FBFA, 0x1FBFF, 0x20000, 0x2A6DF, 0x30000, 0x3134A, 0x3134B, 0x31350,
            0x323AF, 0x323B0, 0x33479, 0xE0001, 0xE0100, 0xF0000, 0x10FFFF, 0x1D7CE, 0x1D400, 0x1E900, 0x16E40};
        String[][] around = {{"", ""}, {"a", "b"}, {" ", "1"}, {"1", "23"}, {"A", "'S"}, {"'", "s"}, {". ", "!"},
            {"  ", ""}, {"\n", " x"}};
        for (int cp : cps) {
            String c = new String(Character.toChars(cp));
            for (String[] a : around) {
                same(a[0] + c + a[1]);
                same(a[0] + c + c + c + c + a[1]);
                same(a[0] + c + "\uD800" + a[1]);
            }
        }
    }
}
