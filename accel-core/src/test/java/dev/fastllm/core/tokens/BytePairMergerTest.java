package dev.fastllm.core.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The flat and the heap merge agree, and both agree with JTokkit on pieces of every length. */
class BytePairMergerTest {

    @Test
    void flatAndHeapMergesGiveTheSameCountOnRandomBytesOfEveryKind() {
        SplittableRandom r = new SplittableRandom(Properties.BASE_SEED);
        for (Encoding encoding : new Encoding[] {Encoding.cl100k(), Encoding.o200k()}) {
            BytePairMerger merger = new BytePairMerger(encoding.vocabulary);
            for (int i = 0; i < 3000; i++) {
                int n = r.nextInt(2, 4 * BytePairMerger.FLAT_LIMIT + 100);
                byte[] b = merger.bytesFor(n);
                int alphabet = r.nextInt(3) == 0 ? 256 : r.nextInt(2, 30);
                int base = r.nextBoolean() ? 'a' : 0x20;
                for (int k = 0; k < n; k++) {
                    b[k] = (byte) (alphabet == 256 ? r.nextInt(256) : base + r.nextInt(alphabet));
                }
                if (encoding.vocabulary.rank(b, 0, n) != Vocabulary.NONE) {
                    continue;
                }
                int flat = merger.countFlat(n);
                int heap = merger.countHeap(n);
                assertEquals(flat, heap, "seed " + Properties.BASE_SEED + " case " + i);
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
