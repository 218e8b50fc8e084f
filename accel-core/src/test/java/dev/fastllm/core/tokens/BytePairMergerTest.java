package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The flat merge (pair by pair, the definition) and the backtracking encoder give the same tokens, and
 * both agree with JTokkit on pieces of every length.
 */
class BytePairMergerTest {

    @Test
    void flatMergeAndBacktrackingGiveTheSameTokensOnRandomBytesOfEveryKind() {
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED);
        for (Encoding encoding : new Encoding[] {Encoding.cl100k(), Encoding.o200k()}) {
            BytePairMerger merger = new BytePairMerger(encoding.vocabulary, encoding::mergeTree);
            for (int i = 0; i < 3000; i++) {
                int n = r.nextInt(2, 12 * BytePairMerger.FLAT_LIMIT);
                byte[] b = merger.bytesFor(n);
                int alphabet = r.nextInt(3) == 0 ? 256 : r.nextInt(2, 30);
                int base = r.nextBoolean() ? 'a' : 0x20;
                for (int k = 0; k < n; k++) {
                    b[k] = (byte) (alphabet == 256 ? r.nextInt(256) : base + r.nextInt(alphabet));
                }
                if (encoding.vocabulary.rank(b, 0, n) != Vocabulary.NONE) {
                    continue;
                }
                TokenBuffer flat = new TokenBuffer(n);
                int parts = merger.countFlat(n);
                for (int k = 0; k < parts; k++) {
                    flat.add(encoding.vocabulary.rank(b, merger.flatStart(k), merger.flatStart(k + 1)));
                }
                BacktrackingEncoder backtracking = merger.backtracking();
                int count = backtracking.encode(b, n);
                assertArrayEquals(flat.toArray(parts), Arrays.copyOf(backtracking.tokens, count),
                        "seed " + Properties.BASE_SEED + " case " + i);
            }
        }
    }

    @Test
    void everyTokenMergesToItselfByBacktracking() {
        // the property the backtracking encoder rests on: no token of either vocabulary is unreachable
        for (Encoding encoding : new Encoding[] {Encoding.cl100k(), Encoding.o200k()}) {
            Vocabulary v = encoding.vocabulary;
            BacktrackingEncoder backtracking = new BacktrackingEncoder(encoding.mergeTree(), v);
            byte[] b = new byte[v.longestToken()];
            for (int id = 0; id < v.size(); id++) {
                int n = v.length(id);
                System.arraycopy(v.tokenBytes(), v.start(id), b, 0, n);
                int count = backtracking.encode(b, n);
                if (count != 1 || backtracking.tokens[0] != id) {
                    fail(encoding.name + " token " + id + " merges to " + Arrays.toString(Arrays.copyOf(backtracking.tokens, count)));
                }
            }
        }
    }

    @Test
    void longPiecesAroundJTokkitsLargePieceThresholdCountAsInJTokkit() {
        // JTokkit switches its merge algorithm at 500 bytes; we switch at FLAT_LIMIT
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED + 1);
        for (int i = 0; i < 200; i++) {
            int n = r.nextInt(80, 700);
            StringBuilder s = new StringBuilder();
            int kind = i % 4;
            for (int k = 0; k < n; k++) {
                switch (kind) {
                    case 0:
                        s.append((char) ('a' + r.nextInt(r.nextBoolean() ? 3 : 26)));
                        break;
                    case 1:
                        s.append((char) r.nextInt(0x4E00, 0x4F00));
                        break;
                    case 2:
                        s.append("abc".charAt(r.nextInt(3)));
                        break;
                    default:
                        s.append("=-_*".charAt(r.nextInt(4)));
                }
            }
            String text = s.toString();
            for (String encoding : Properties.ENCODINGS) {
                assertEquals(Oracle.count(encoding, text), TokenCounter.of(encoding).count(text),
                        () -> encoding + " " + Oracle.describe(text));
            }
        }
    }
}
