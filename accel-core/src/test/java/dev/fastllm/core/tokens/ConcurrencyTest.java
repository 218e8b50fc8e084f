package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many threads sharing one counter per encoding, and one tiny piece cache under constant eviction,
 * get exactly the single-threaded reference counts; threads filling one fresh merge tree at once get
 * exactly the tokens of pair-by-pair merging.
 */
class ConcurrencyTest {
    private static final int THREADS = 8;

    @Test
    void sharedCountersAndCachesGiveTheSameCountsFromManyThreads() throws Exception {
        String all = String.join("", CorpusGenerator.generate().values());
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int from = r.nextInt(all.length() - 2000);
            texts.add(i % 2 == 0 ? all.substring(from, from + r.nextInt(1, 2000)) : Generators.mixed(r));
        }
        Encoding tiny = new Encoding("o200k_base", true, Encoding.o200k().vocabulary, 16,
                Encoding.o200k().specialTokens, new int[] {199999, 200018});
        TokenCounter memo = TokenCounter.memoizing(TokenCounter.of("cl100k_base"), 20_000);
        int[][] expected = new int[3][texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            expected[0][i] = Oracle.count("o200k_base", texts.get(i));
            expected[1][i] = Oracle.count("cl100k_base", texts.get(i));
            expected[2][i] = expected[0][i];
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t * 37;
                results.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < 3; round++) {
                        for (int k = 0; k < texts.size(); k++) {
                            int i = (k + offset) % texts.size();
                            String text = texts.get(i);
                            assertEquals(expected[0][i], TokenCounter.of("o200k_base").count(text));
                            assertEquals(expected[1][i], memo.count(text));
                            assertEquals(expected[2][i], countWith(tiny, text));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(true, tiny.pieces.size() <= 16 && tiny.shortPieces.size() <= 16);
    }

    @Test
    void threadsRacingToFillOneFreshMergeTreeGetThePairByPairTokens() throws Exception {
        // a fresh encoding: its merge tree's splits and prefixes are all still to be computed, by racing threads
        Encoding fresh = new Encoding("o200k_base", true, Encoding.o200k().vocabulary, 16,
                Encoding.o200k().specialTokens, new int[] {199999, 200018});
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED + 7);
        List<byte[]> pieces = new ArrayList<>();
        List<int[]> expected = new ArrayList<>();
        BytePairMerger reference = new BytePairMerger(fresh.vocabulary, () -> {
            throw new AssertionError("the reference merges flat only");
        });
        while (pieces.size() < 300) {
            int n = r.nextInt(BytePairMerger.FLAT_LIMIT + 1, 200);
            byte[] b = reference.bytesFor(n);
            int alphabet = r.nextInt(2, 40);
            for (int k = 0; k < n; k++) {
                b[k] = (byte) (r.nextBoolean() ? 'a' + r.nextInt(Math.min(26, alphabet)) : 0x20 + r.nextInt(alphabet));
            }
            if (fresh.vocabulary.rank(b, 0, n) != Vocabulary.NONE) {
                continue;
            }
            int parts = reference.countFlat(n);
            int[] ids = new int[parts];
            for (int k = 0; k < parts; k++) {
                ids[k] = fresh.vocabulary.rank(b, reference.flatStart(k), reference.flatStart(k + 1));
            }
            pieces.add(Arrays.copyOf(b, n));
            expected.add(ids);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t * 41;
                results.add(pool.submit(() -> {
                    BacktrackingEncoder encoder = new BacktrackingEncoder(fresh.mergeTree(), fresh.vocabulary);
                    start.await();
                    for (int k = 0; k < pieces.size(); k++) {
                        int i = (k + offset) % pieces.size();
                        byte[] b = pieces.get(i);
                        int count = encoder.encode(b, b.length);
                        assertArrayEquals(expected.get(i), Arrays.copyOf(encoder.tokens, count));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int countWith(Encoding encoding, String text) {
        char[] t = text.toCharArray();
        int tokens = 0;
        for (int s = 0; s < t.length; ) {
            int e = O200kSplitter.pieceEnd(t, s, t.length);
            tokens += encoding.countPiece(t, s, e);
            s = e;
        }
        return tokens;
    }
}
