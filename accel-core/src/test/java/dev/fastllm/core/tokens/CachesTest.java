package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Both caches stay within their bounds and never change an answer; the merge tree is counted when built. */
class CachesTest {

    @Test
    void pieceCacheHoldsAtMostItsCapacityOfShortEntries() {
        Encoding small = new Encoding("o200k_base", true, Encoding.o200k().vocabulary, 64,
                Encoding.o200k().specialTokens, new int[] {199999, 200018});
        PieceCache cache = small.pieces;
        ShortPieceTable shortPieces = small.shortPieces;
        assertEquals(64, cache.capacity());
        assertEquals(64, shortPieces.capacity());
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED);
        for (int i = 0; i < 5000; i++) {
            String text = Generators.mixed(r) + " " + Long.toString(r.nextLong(), 36) + "x".repeat(r.nextInt(40));
            char[] t = text.toCharArray();
            int tokens = 0;
            for (int s = 0; s < t.length; ) {
                int e = O200kSplitter.pieceEnd(t, s, t.length);
                tokens += small.countPiece(t, s, e);
                s = e;
            }
            assertEquals(Oracle.count("o200k_base", text), tokens, () -> Oracle.describe(text));
            assertTrue(cache.size() <= 64);
            assertTrue(shortPieces.size() <= 64);
            assertTrue(cache.longestEntry() <= PieceCache.MAX_PIECE_CHARS);
        }
        assertTrue(cache.size() > 32, "cache in use: " + cache.size());
        assertTrue(shortPieces.size() > 32, "short table in use: " + shortPieces.size());
        assertTrue(cache.heapBytes() <= cache.maxHeapBytes());
    }

    @Test
    void mergeTreeIsBuiltOnTheFirstLongPieceOnceAndCountedInHeapBytes() {
        Encoding fresh = new Encoding("cl100k_base", false, Encoding.cl100k().vocabulary, 64,
                Encoding.cl100k().specialTokens, new int[] {100257, 100258, 100259, 100260, 100276});
        char[] shortPiece = "hello".toCharArray();
        fresh.countPiece(shortPiece, 0, shortPiece.length);
        long before = fresh.heapBytes();
        char[] longPiece = "abcdefghij".repeat(10).toCharArray();
        assertEquals(Oracle.count("cl100k_base", new String(longPiece)), fresh.countPiece(longPiece, 0, longPiece.length));
        MergeTree tree = fresh.mergeTree();
        assertSame(tree, fresh.mergeTree());
        assertTrue(tree.heapBytes() > 3L * 4 * fresh.vocabulary.size(), "three ints per token at least");
        assertTrue(fresh.heapBytes() >= before + tree.heapBytes());
    }

    @Test
    void pieceCacheAnswersWhatWasPutAndNothingElse() {
        PieceCache cache = new PieceCache(1024, false);
        char[] t = "hello world".toCharArray();
        int h = PieceCache.hash(t, 0, 5);
        assertEquals(-1, cache.get(t, 0, 5, h));
        cache.put(t, 0, 5, h, 7);
        assertEquals(7, cache.get(t, 0, 5, h));
        char[] other = "hellO".toCharArray();
        assertEquals(-1, cache.get(other, 0, 5, h), "same hash, other text");
        assertEquals(-1, cache.get(t, 0, 4, h), "same hash, prefix");
    }

    @Test
    void shortPieceKeysAreUniqueAndOnlyForShortLatin1Pieces() {
        java.util.Map<Long, String> seen = new java.util.HashMap<>();
        String[] pieces = {"a", "\u0000a", "a\u0000", "\u0000", "\u0000\u0000", "ab", "ba", " the", "\u00FF\u00FF", "1234567",
            "\u00E9t\u00E9"};
        for (String p : pieces) {
            long key = ShortPieceTable.key(p.toCharArray(), 0, p.length());
            assertTrue(key != 0 && (key & 0xF) == 0, p);
            assertEquals(null, seen.put(key, p), "key clash for " + p);
        }
        assertEquals(0, ShortPieceTable.key("12345678".toCharArray(), 0, 8), "eight chars");
        assertEquals(0, ShortPieceTable.key("\u0100".toCharArray(), 0, 1), "above U+00FF");
        ShortPieceTable table = new ShortPieceTable(8);
        long key = ShortPieceTable.key("hello".toCharArray(), 0, 5);
        assertEquals(-1, table.get(key));
        table.put(key, 2);
        assertEquals(2, table.get(key));
        assertEquals(-1, table.get(ShortPieceTable.key("hellO".toCharArray(), 0, 5)));
    }

    @Test
    void memoizingLayerHoldsAtMostMaxCharsAndAnswersAsItsCounter() {
        TokenCounter plain = TokenCounter.of("cl100k_base");
        MemoizingTokenCounter memo = new MemoizingTokenCounter(plain, 10_000, Runnable::run);
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED);
        String[] history = new String[300];
        for (int i = 0; i < history.length; i++) {
            history[i] = Generators.mixed(r) + i;
        }
        for (int round = 0; round < 3; round++) {
            for (String text : history) {
                assertEquals(plain.count(text), memo.count(text));
                assertTrue(memo.heldChars() <= 10_000, "held " + memo.heldChars());
            }
        }
        assertTrue(memo.heldChars() > 5_000, "memo in use: " + memo.heldChars());
        String huge = "word ".repeat(5_000);
        assertEquals(plain.count(huge), memo.count(huge));
        assertTrue(memo.heldChars() <= 10_000);
        StringBuilder mutable = new StringBuilder("abc");
        assertEquals(1, memo.count(mutable));
        mutable.append(" def ghi");
        assertEquals(plain.count("abc def ghi"), memo.count(mutable), "keyed by content, not identity");
        assertEquals(0, memo.count(null));
        assertEquals(0, memo.count(""));
        assertEquals("cl100k_base", memo.encodingName());
    }

    @Test
    void pieceCacheSizeSettingFallsBackToTheDefaultWhenMalformedOrOutOfRange() {
        assertEquals(Encoding.DEFAULT_PIECE_CACHE_ENTRIES, Encoding.pieceCacheEntries(null));
        assertEquals(0, Encoding.pieceCacheEntries("0"));
        assertEquals(1024, Encoding.pieceCacheEntries(" 1024 "));
        assertEquals(Encoding.MAX_PIECE_CACHE_ENTRIES, Encoding.pieceCacheEntries(Integer.toString(Encoding.MAX_PIECE_CACHE_ENTRIES)));
        for (String bad : new String[] {"-1", "lots", "", "1.5", Integer.toString(Encoding.MAX_PIECE_CACHE_ENTRIES + 1),
                "2147483648"}) {
            assertEquals(Encoding.DEFAULT_PIECE_CACHE_ENTRIES, Encoding.pieceCacheEntries(bad), bad);
        }
    }
}
