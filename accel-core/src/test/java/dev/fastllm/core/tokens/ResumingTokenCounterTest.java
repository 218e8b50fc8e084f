package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link ResumingTokenCounter} and the splitters' {@code settled}: a text cut anywhere and extended keeps the pieces
 * before every settled boundary; resumed and joined counts equal the full count and JTokkit's, on generated texts
 * cut at every char, on the corpus grown as a document splitter grows segments, and under threads sharing slots.
 */
class ResumingTokenCounterTest {

    @Test
    void settledBoundariesKeepTheirPiecesInEveryExtension() {
        for (String encoding : Properties.ENCODINGS) {
            Properties.forAll("settled " + encoding, 1500, ResumingTokenCounterTest::runs, w -> settledHolds(encoding, w));
            Properties.forAll("settled mixed " + encoding, 1500, Generators::mixed, w -> settledHolds(encoding, w));
            Properties.forAll("settled raw " + encoding, 800, Generators::rawChars, w -> settledHolds(encoding, w));
        }
    }

    @Test
    void resumedAndJoinedCountsAreFullCounts() {
        for (String encoding : Properties.ENCODINGS) {
            Properties.forAll("resume " + encoding, 250, ResumingTokenCounterTest::runs, w -> resumes(encoding, w));
            Properties.forAll("resume mixed " + encoding, 200, Generators::mixed, w -> resumes(encoding, w));
            Properties.forAll("resume bytes " + encoding, 150, Generators::utf8Bytes, w -> resumes(encoding, w));
            Properties.forAll("resume long " + encoding, 6, Generators::longRuns, w -> resumes(encoding, w));
        }
    }

    /** Where a fixed margin before the end is not enough: runs that a later char can still change. */
    @Test
    void runsReachingTheEndAreNotSettled() {
        // o200k_base: "中" ends a piece only because no lower-case letter follows the capitals
        String capitals = "中" + "A".repeat(100);
        assertEquals(List.of("中", "A".repeat(100)), Oracle.ourO200kPieces(capitals));
        assertEquals(List.of("中" + "A".repeat(100) + "b"), Oracle.ourO200kPieces(capitals + "b"));
        assertFalse(O200kSplitter.settled(capitals.toCharArray(), 1, capitals.length()));
        // both: "\n" ends a piece only because no later line break comes in the run of spaces
        String spaces = "word\n" + " ".repeat(100);
        assertTrue(Oracle.ourO200kPieces(spaces).contains("\n"));
        assertFalse(Oracle.ourO200kPieces(spaces + " \nx").contains("\n"));
        assertFalse(O200kSplitter.settled(spaces.toCharArray(), 5, spaces.length()));
        assertFalse(Cl100kSplitter.settled(spaces.toCharArray(), 5, spaces.length()));
        for (String encoding : Properties.ENCODINGS) {
            for (String[] grow : new String[][] {{capitals, "b"}, {spaces, " \nx"}, {"ab\uD83D", "\uDE00 x"}}) {
                ResumingTokenCounter r = new ResumingTokenCounter(TokenCounter.of(encoding));
                r.count(grow[0]);
                String whole = grow[0] + grow[1];
                assertEquals(Oracle.count(encoding, whole), r.count(whole), encoding + " " + Oracle.describe(whole));
            }
        }
    }

    @Test
    void aTextThatOnlyLooksLikeAnExtensionIsCountedWhole() {
        String earlier = CorpusTest.file("prose").substring(0, 3000);
        String other = earlier.substring(0, 10) + "X" + earlier.substring(11) + " and more";
        for (String encoding : Properties.ENCODINGS) {
            ResumingTokenCounter r = new ResumingTokenCounter(TokenCounter.of(encoding));
            r.count(earlier);
            long answer = r.countAndScanned(other.toCharArray());
            assertEquals(Oracle.count(encoding, other), (int) answer, encoding);
            assertEquals(other.length(), (int) (answer >>> 32), encoding + ": scanned whole");
        }
        assertThrows(IllegalArgumentException.class,
                () -> TokenCounter.resuming(TokenCounter.memoizing(TokenCounter.of("o200k_base"), 10)));
    }

    /** The corpus grown as LangChain4j's splitters grow a segment: part alone, then segment + separator + part. */
    @Test
    void corpusGrownLikeASplitterCountsExactlyAndScansLittle() {
        for (String encoding : Properties.ENCODINGS) {
            ResumingTokenCounter r = new ResumingTokenCounter(TokenCounter.of(encoding));
            long chars = 0;
            long scanned = 0;
            for (String file : CorpusGenerator.FILES) {
                String[] parts = CorpusTest.file(file).split("\n");
                String segment = "";
                for (int i = 0; i < parts.length && i < 600; i++) {
                    if (parts[i].isBlank()) {
                        continue;
                    }
                    String part = parts[i];
                    assertEquals(Oracle.count(encoding, part), r.count(part), encoding + " part");
                    segment = segment.length() > 2000 ? part : segment.isEmpty() ? part : segment + "\n\n" + part;
                    long answer = r.countAndScanned(segment.toCharArray());
                    assertEquals(Oracle.count(encoding, segment), (int) answer, () -> encoding + " " + file);
                    chars += segment.length();
                    scanned += answer >>> 32;
                }
            }
            // without resuming every segment is scanned whole; with it, each joins its part at once: under 1 %
            assertTrue(scanned < chars / 50, encoding + ": scanned " + scanned + " of " + chars);
        }
    }

    @Test
    void threadsSharingSlotsGetExactCounts() throws Exception {
        String prose = CorpusTest.file("mixed");
        for (String encoding : Properties.ENCODINGS) {
            ResumingTokenCounter r = new ResumingTokenCounter(TokenCounter.of(encoding));
            TokenCounter plain = TokenCounter.of(encoding);
            ExecutorService pool = Executors.newFixedThreadPool(2 * ResumingTokenCounter.SLOTS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < 2 * ResumingTokenCounter.SLOTS; w++) {
                    int start = 997 * w;
                    done.add(pool.submit(() -> {
                        for (int end = start + 1; end < start + 3000; end += 37) {
                            String text = prose.substring(start, end);
                            assertEquals(plain.count(text), r.count(text), encoding);
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(r.heapBytes() <= ResumingTokenCounter.maxHeapBytes(), encoding);
        }
    }

    @Test
    void keepsOnlyTextsUpToItsBound() {
        ResumingTokenCounter r = new ResumingTokenCounter(TokenCounter.of("o200k_base"));
        long empty = r.heapBytes();
        String big = "word ".repeat(ResumingTokenCounter.MAX_CHARS);
        r.count(big);
        assertEquals(empty, r.heapBytes(), "a text past the bound is not kept");
        for (int i = 0; i < 10; i++) {
            r.count(big.substring(0, ResumingTokenCounter.MAX_CHARS - i));
        }
        long held = r.heapBytes();
        assertTrue(held > (long) ResumingTokenCounter.TEXTS_PER_SLOT * 2 * (ResumingTokenCounter.MAX_CHARS - 10), "" + held);
        assertTrue(held <= ResumingTokenCounter.maxHeapBytes());
        assertTrue(ResumingTokenCounter.maxHeapBytes() < 1_100_000, "" + ResumingTokenCounter.maxHeapBytes());
    }

    /** For every cut of {@code w}: the pieces of the head before its last settled boundary are {@code w}'s. */
    private static void settledHolds(String encoding, String w) {
        AbstractTokenizer tokenizer = (AbstractTokenizer) Tokenizer.of(encoding);
        char[] whole = w.toCharArray();
        List<Integer> all = boundaries(tokenizer, whole);
        for (int cut : cuts(w)) {
            char[] head = w.substring(0, cut).toCharArray();
            List<Integer> mine = boundaries(tokenizer, head);
            int last = -1;
            for (int i = mine.size() - 1; i >= 0 && last < 0; i--) {
                last = tokenizer.settled(head, mine.get(i), cut) ? i : -1;
            }
            if (last >= 0) {
                assertEquals(mine.subList(0, last + 1), all.subList(0, Math.min(all.size(), last + 1)),
                        encoding + " cut " + cut + " settled at " + mine.get(last));
            }
        }
    }

    /** For every cut {@code w = t + x}: after {@code t}, after {@code x}, and after both, {@code w} counts in full. */
    private static void resumes(String encoding, String w) {
        int expected = Oracle.count(encoding, w);
        TokenCounter plain = TokenCounter.of(encoding);
        assertEquals(expected, plain.count(w), "full count");
        for (int cut : cuts(w)) {
            String t = w.substring(0, cut);
            String x = w.substring(cut);
            ResumingTokenCounter r = new ResumingTokenCounter(plain);
            assertEquals(plain.count(t), r.count(t), "head");
            assertEquals(expected, r.count(w), "resumed at " + cut);
            r = new ResumingTokenCounter(plain);
            assertEquals(plain.count(x), r.count(x), "tail");
            assertEquals(expected, r.count(w), "joined at " + cut);
            r = new ResumingTokenCounter(plain);
            r.count(t);
            r.count(x);
            assertEquals(expected, r.count(w), "resumed and joined at " + cut);
            assertEquals(expected, r.count(w), "again");
        }
    }

    private static List<Integer> boundaries(AbstractTokenizer tokenizer, char[] t) {
        List<Integer> b = new ArrayList<>();
        for (int s = 0; s < t.length; s = tokenizer.pieceEnd(t, s, t.length)) {
            b.add(s);
        }
        return b;
    }

    /** Every cut of a short text; about 60 of a long one, from its hash. */
    private static int[] cuts(String w) {
        if (w.length() <= 200) {
            int[] all = new int[w.length() + 1];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        SplittableRandom r = new SplittableRandom(w.hashCode());
        return r.ints(60, 0, w.length() + 1).toArray();
    }

    /** Runs of one class glued together, so that a cut falls inside runs of every kind. */
    static String runs(SplittableRandom r) {
        String[] units = {"a", "z", "A", "Q", "\u00E9", "\u01C5", "\u02B0", "\u4E2D", "\u0301", "\u0903", " ", "  ",
            "\n", "\r\n", "\t", "\u3000", "\u00A0", "1", "9", "\u0661", "'", "'s", "'LL", "'ve", "\u017F", ".", "!",
            "/", "-", "\uD83D\uDE00", "\uD83D", "\uDE00", "\uD835\uDC00", "\uD840\uDC00", "<|endoftext|>"};
        StringBuilder s = new StringBuilder();
        int runs = r.nextInt(1, 12);
        for (int i = 0; i < runs; i++) {
            String unit = units[r.nextInt(units.length)];
            int repeat = r.nextInt(4) == 0 ? r.nextInt(1, 24) : r.nextInt(1, 4);
            for (int k = 0; k < repeat; k++) {
                s.append(unit);
            }
        }
        return s.toString();
    }
}
