package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.api.IntArrayList;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Encoding, decoding, limits and special tokens against JTokkit on the cases its rules single out:
 * every special token, unknown ids, null and empty text, every limit over texts whose characters span
 * several tokens, and long runs of one character class (the linear long-piece path).
 */
class TokenizerTest {
    private static final String[] TEXTS = {
        "", "a", "0", "hello world", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 family \u4E2D\u6587 \u00E9t\u00E9",
        "x\uD800y \uDC00", "  \n\n\t  end", "\u0939\u093F\u0928\u094D\u0926\u0940 text", "<|endoftext|> not special here",
    };

    @Test
    void everyLimitGivesJTokkitsResult() {
        for (String encoding : Properties.ENCODINGS) {
            com.knuddels.jtokkit.api.Encoding jtokkit = Oracle.encoding(encoding);
            Tokenizer ours = Tokenizer.of(encoding);
            for (String text : TEXTS) {
                int n = ours.encodeOrdinary(text).length;
                for (int max = -1; max <= n + 1; max++) {
                    Properties.sameResult(jtokkit.encodeOrdinary(text, max), ours.encodeOrdinary(text, max),
                            encoding + " max " + max + " " + Oracle.describe(text));
                }
                Properties.sameResult(jtokkit.encodeOrdinary(text, Integer.MAX_VALUE),
                        ours.encodeOrdinary(text, Integer.MAX_VALUE), encoding + " no limit");
                Properties.sameEncodingAsJTokkit(encoding, text);
            }
            Properties.sameResult(jtokkit.encodeOrdinary(null, 3), ours.encodeOrdinary(null, 3), "null");
            Properties.sameResult(jtokkit.encode(null, 3), ours.encode(null, 3), "null");
            assertArrayEquals(jtokkit.encode(null).toArray(), ours.encode(null));
            assertArrayEquals(jtokkit.encodeOrdinary(null).toArray(), ours.encodeOrdinary(null));
            assertEquals(jtokkit.countTokens(null), ours.countTokens(null));
        }
    }

    @Test
    void specialTokensAreRefusedWhereJTokkitRefusesThemAndDecoded() {
        String[][] specials = {
            {"cl100k_base", "<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"},
            {"o200k_base", "<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>"},
        };
        for (String[] row : specials) {
            String encoding = row[0];
            com.knuddels.jtokkit.api.Encoding jtokkit = Oracle.encoding(encoding);
            Tokenizer ours = Tokenizer.of(encoding);
            for (int i = 1; i < row.length; i++) {
                String text = "before " + row[i] + " after";
                boolean refused = refuses(() -> jtokkit.encode(text));
                assertEquals(refused, refuses(() -> ours.encode(text)), encoding + " " + row[i]);
                assertEquals(refused, refuses(() -> ours.encode(text, 2)), encoding + " " + row[i]);
                assertEquals(refused, refuses(() -> ours.countTokens(text)), encoding + " " + row[i]);
                assertEquals(refused, ours.containsSpecialToken(text));
                assertEquals(jtokkit.countTokensOrdinary(text), ours.count(text));
                assertArrayEquals(jtokkit.encodeOrdinary(text).toArray(), ours.encodeOrdinary(text));
            }
            assertTrue(ours.containsSpecialToken("<|endoftext|>"));
            assertFalse(ours.containsSpecialToken("<|endoftext|"));
        }
        for (int id : new int[] {100257, 100258, 100259, 100260, 100276}) {
            sameDecoding("cl100k_base", id);
        }
        for (int id : new int[] {199999, 200018}) {
            sameDecoding("o200k_base", id);
        }
    }

    private static boolean refuses(Runnable call) {
        try {
            call.run();
            return false;
        } catch (UnsupportedOperationException e) {
            assertEquals("Encoding special tokens is not supported.", e.getMessage());
            return true;
        }
    }

    private static void sameDecoding(String encoding, int id) {
        IntArrayList list = new IntArrayList();
        list.add(id);
        assertArrayEquals(Oracle.encoding(encoding).decodeBytes(list), Tokenizer.of(encoding).decodeBytes(new int[] {id}));
        assertEquals(Oracle.encoding(encoding).decode(list), Tokenizer.of(encoding).decode(new int[] {id}));
    }

    @Test
    void unknownIdsFailAsInJTokkit() {
        int[][] unknown = {{-1, 100256, 100261, 100275, 100277, 199999}, {-1, 199998, 200000, 200017, 200019}};
        for (int e = 0; e < 2; e++) {
            String encoding = Properties.ENCODINGS[e];
            for (int id : unknown[e]) {
                IntArrayList list = new IntArrayList();
                list.add(id);
                NullPointerException expected = assertThrows(NullPointerException.class,
                        () -> Oracle.encoding(encoding).decodeBytes(list));
                NullPointerException actual = assertThrows(NullPointerException.class,
                        () -> Tokenizer.of(encoding).decodeBytes(new int[] {7, id}));
                assertEquals(expected.getMessage(), actual.getMessage());
            }
        }
    }

    @Test
    void everyOrdinaryTokenIsJTokkitsIdAndBytes() {
        int[] sizes = {100256, 199998};
        for (int e = 0; e < 2; e++) {
            String encoding = Properties.ENCODINGS[e];
            Tokenizer tokenizer = Tokenizer.of(encoding);
            assertEquals(sizes[e], tokenizer.ordinaryTokenCount());
            for (int id = 0; id < tokenizer.ordinaryTokenCount(); id++) {
                IntArrayList list = new IntArrayList();
                list.add(id);
                byte[] bytes = Oracle.encoding(encoding).decodeBytes(list);
                assertTrue(tokenizer.isOrdinaryToken(id, bytes), encoding + " id " + id);
                byte[] changed = bytes.clone();
                changed[changed.length - 1] ^= 1;
                assertFalse(tokenizer.isOrdinaryToken(id, changed), encoding + " id " + id);
                assertFalse(tokenizer.isOrdinaryToken(id, Arrays.copyOf(bytes, bytes.length + 1)));
            }
            byte[] a = {'a'};
            assertFalse(tokenizer.isOrdinaryToken(-1, a));
            assertFalse(tokenizer.isOrdinaryToken(tokenizer.ordinaryTokenCount(), a));
            assertFalse(tokenizer.isOrdinaryToken(0, null));
        }
    }

    @Test
    void longRunsOfOneClassEncodeAsInJTokkit() {
        String[] units = {" ", "\n", "a", ".", "\uD83D\uDE00", "\u4E2D", "-=", "\t ", "ab"};
        for (String unit : units) {
            String text = unit.repeat(60_000 / unit.length());
            for (String encoding : Properties.ENCODINGS) {
                Properties.sameEncodingAsJTokkit(encoding, text);
                Properties.sameEncodingAsJTokkit(encoding, "x" + text + "y");
                assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text));
            }
        }
    }

    @Test
    void oneSharedInstancePerEncoding() {
        for (String encoding : Properties.ENCODINGS) {
            assertSame(Tokenizer.of(encoding), Tokenizer.of(encoding));
            assertSame(Tokenizer.of(encoding), TokenCounter.of(encoding));
            Tokenizer.of(encoding).load();
            assertTrue(Tokenizer.isLoaded(encoding));
            assertTrue(Tokenizer.supports(encoding));
        }
        assertFalse(Tokenizer.supports("p50k_base"));
        assertFalse(Tokenizer.isLoaded("p50k_base"));
        assertThrows(IllegalArgumentException.class, () -> Tokenizer.of("r50k_base"));
    }
}
