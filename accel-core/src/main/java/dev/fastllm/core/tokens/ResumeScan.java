package dev.fastllm.core.tokens;

/**
 * One count of {@link ResumingTokenCounter}: scans the pieces of a text from a known boundary, joins the pieces of
 * a known suffix when a boundary lines up, and keeps the boundaries the next count may start or join at. Used by
 * one thread for one call.
 *
 * <p>Why each step is exact:
 * <ul>
 *   <li><b>Start.</b> A text that starts with a counted text {@code P} starts its scan at {@code P}'s resume point
 *       {@code r} with {@code P}'s count before {@code r}: the pieces before {@code r} are the same in every text
 *       that starts with {@code P} (the point was chosen by the splitter's {@code settled}, or inherited from a text
 *       {@code P} itself starts with, which carries the same property to {@code P}'s extensions).</li>
 *   <li><b>Join.</b> A splitter is memoryless: the end of the piece that starts at {@code s} depends only on
 *       {@code t[s, n)}. So when a text ends with a counted text {@code F} (from {@code off = n - |F|}) and its scan
 *       reaches a boundary {@code off + q} where {@code q} is one of {@code F}'s boundaries, every piece from there
 *       on is {@code F}'s from {@code q}: the rest counts {@code F.total} less {@code F}'s count before {@code q}.</li>
 *   <li><b>Resume point of this text.</b> The last boundary found for which {@code settled} holds on this text, or
 *       the start point (its property carries over to this text's extensions, which extend {@code P}).</li>
 * </ul>
 */
final class ResumeScan {
    /** Boundaries kept from the end of the scan, to choose this text's resume point from. */
    private static final int RING = 16;

    private final AbstractTokenizer tokenizer;
    private final char[] t;
    private final int n;
    private final int from;
    private final int countBeforeFrom;
    private final int[] head = new int[2 * CountedText.HEAD];
    private int headSize;
    private final int[] ring = new int[2 * RING];
    private int ringSize;
    private int count;
    private int scanned;
    /** The joined suffix, its offset in the text and the index of the head boundary joined at; null if none. */
    private CountedText joined;
    private int joinedOff;
    private int joinedHead;

    /** A scan of {@code t} that starts at {@code prefix}'s resume point, or at 0 when {@code prefix} is null. */
    ResumeScan(AbstractTokenizer tokenizer, char[] t, CountedText prefix) {
        this.tokenizer = tokenizer;
        this.t = t;
        this.n = t.length;
        this.from = prefix == null ? 0 : prefix.resumeAt;
        this.countBeforeFrom = prefix == null ? 0 : prefix.countBeforeResume;
        if (prefix != null) {
            for (int k = 0; k < prefix.headSize() && prefix.headPosition(k) < from; k++) {
                addHead(prefix.headPosition(k), prefix.headCount(k));
            }
        }
    }

    int from() {
        return from;
    }

    /** Counts the pieces from the start point to the end, joining {@code suffix}'s pieces where they line up. */
    void run(CountedText suffix) {
        Encoding encoding = tokenizer.encoding();
        int off = suffix == null ? Integer.MAX_VALUE : n - suffix.length();
        int k = 0;
        int c = countBeforeFrom;
        int s = from;
        while (s < n) {
            if (s >= off) {
                int q = s - off;
                while (k < suffix.headSize() && suffix.headPosition(k) < q) {
                    k++;
                }
                if (k == suffix.headSize()) {
                    off = Integer.MAX_VALUE; // past its known boundaries: no join any more
                } else if (suffix.headPosition(k) == q) {
                    boundary(s, c);
                    join(suffix, off, k, c);
                    return;
                }
            }
            boundary(s, c);
            int e = tokenizer.pieceEnd(t, s, n);
            c += encoding.countPiece(t, s, e);
            s = e;
        }
        scanned = s - from;
        count = c;
    }

    private void join(CountedText suffix, int off, int k, int c) {
        joined = suffix;
        joinedOff = off;
        joinedHead = k;
        int base = c - suffix.headCount(k);
        for (int j = k + 1; j < suffix.headSize(); j++) {
            addHead(off + suffix.headPosition(j), base + suffix.headCount(j));
        }
        scanned = off + suffix.headPosition(k) - from;
        count = base + suffix.total;
    }

    private void boundary(int s, int c) {
        addHead(s, c);
        int i = 2 * (ringSize++ & (RING - 1));
        ring[i] = s;
        ring[i + 1] = c;
    }

    private void addHead(int s, int c) {
        if (headSize < CountedText.HEAD && (headSize == 0 || head[2 * headSize - 2] < s)) {
            head[2 * headSize] = s;
            head[2 * headSize + 1] = c;
            headSize++;
        }
    }

    int count() {
        return count;
    }

    /** Chars scanned piece by piece (the rest was known). */
    int scanned() {
        return scanned;
    }

    /** This text as a {@link CountedText}, owning {@code t}: the caller must not change it afterwards. */
    CountedText counted() {
        long resume = resumePoint();
        return new CountedText(t, count, head, headSize, (int) (resume >>> 32), (int) resume);
    }

    /** The resume point: position in the high half, count before it in the low half. */
    private long resumePoint() {
        if (joined != null && joined.resumeAt >= joined.headPosition(joinedHead)) {
            int b = joinedOff + joined.resumeAt;
            if (tokenizer.settled(t, b, n)) {
                int c = count - joined.total + joined.countBeforeResume;
                return (long) b << 32 | (c & 0xFFFFFFFFL);
            }
        }
        for (int r = ringSize - 1; r >= 0 && r >= ringSize - RING; r--) {
            int i = 2 * (r & (RING - 1));
            if (tokenizer.settled(t, ring[i], n)) {
                return (long) ring[i] << 32 | (ring[i + 1] & 0xFFFFFFFFL);
            }
        }
        return (long) from << 32 | (countBeforeFrom & 0xFFFFFFFFL);
    }
}
