package dev.fastllm.core.tokens;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Exact counts of texts that grow from recently counted texts, counting only what is new. Document splitters
 * (LangChain4j's hierarchical splitters) count a segment, append a part to it and count the whole segment
 * again, after counting the part alone: each text starts with one counted just before and ends with another.
 * Such a text is scanned from the last boundary of the earlier text whose pieces no extension can change
 * ({@code settled} in the splitters, proved there from their code), and its scan joins the pieces of a counted
 * text it ends with as soon as a boundary lines up; see {@link ResumeScan} for why each step is exact. Any other
 * text is counted whole. Every earlier text is matched char by char against the new one before its counts are
 * used, so no caller can get another text's count.
 *
 * <p>State: {@link #SLOTS} slots, a thread using slot {@code id mod SLOTS}; each slot holds the last
 * {@link #TEXTS_PER_SLOT} counted texts of up to {@link #MAX_CHARS} chars as an immutable array of immutable
 * {@link CountedText}s, read with acquire and replaced with release semantics. Threads that share a slot
 * overwrite each other's texts, which costs only resumes, never exactness. At most
 * {@code SLOTS * TEXTS_PER_SLOT} texts are held: each is its chars (2 bytes per char), an 80-byte head array and a
 * 40-byte object, and each slot's array is 32 bytes; with the defaults at most 32 texts of 16 384 chars, about
 * 1.0 MiB per instance ({@link #maxHeapBytes}).
 */
final class ResumingTokenCounter implements TokenCounter {
    static final int SLOTS = 8;
    static final int TEXTS_PER_SLOT = 4;
    static final int MAX_CHARS = 16_384;

    private final AbstractTokenizer tokenizer;
    private final AtomicReferenceArray<CountedText[]> slots = new AtomicReferenceArray<>(SLOTS);

    ResumingTokenCounter(TokenCounter counter) {
        if (!(counter instanceof AbstractTokenizer)) {
            throw new IllegalArgumentException("not a counter of this library: " + counter);
        }
        this.tokenizer = (AbstractTokenizer) counter;
    }

    @Override
    public int count(CharSequence text) {
        if (text == null) {
            return 0;
        }
        return (int) countAndScanned(Chars.of(text));
    }

    /**
     * The count of {@code t} in the low 32 bits and the chars scanned piece by piece in the high 32; takes
     * ownership of {@code t}, which may be kept for later counts and must not be changed.
     */
    long countAndScanned(char[] t) {
        int n = t.length;
        if (n == 0) {
            return 0;
        }
        int slot = (int) Thread.currentThread().getId() & (SLOTS - 1);
        CountedText[] recent = slots.getAcquire(slot);
        CountedText prefix = longestPrefix(recent, t);
        if (prefix != null && prefix.length() == n) {
            return prefix.total;
        }
        ResumeScan scan = new ResumeScan(tokenizer, t, prefix);
        scan.run(longestSuffix(recent, t));
        if (n <= MAX_CHARS) {
            slots.setRelease(slot, pushed(recent, scan.counted()));
        }
        return (long) scan.scanned() << 32 | (scan.count() & 0xFFFFFFFFL);
    }

    private static CountedText longestPrefix(CountedText[] recent, char[] t) {
        CountedText best = null;
        if (recent != null) {
            for (CountedText c : recent) {
                if ((best == null || c.length() > best.length()) && c.isPrefixOf(t)) {
                    best = c;
                }
            }
        }
        return best;
    }

    /** The longest recent text that {@code t} ends with and is longer than. */
    private static CountedText longestSuffix(CountedText[] recent, char[] t) {
        CountedText best = null;
        if (recent != null) {
            for (CountedText c : recent) {
                if (c.length() < t.length && (best == null || c.length() > best.length()) && c.isSuffixOf(t)) {
                    best = c;
                }
            }
        }
        return best;
    }

    private static CountedText[] pushed(CountedText[] recent, CountedText latest) {
        int kept = recent == null ? 0 : Math.min(recent.length, TEXTS_PER_SLOT - 1);
        CountedText[] next = new CountedText[kept + 1];
        next[0] = latest;
        if (kept > 0) {
            System.arraycopy(recent, 0, next, 1, kept);
        }
        return next;
    }

    /** The most heap the kept texts can take: every slot full of texts of {@link #MAX_CHARS} chars. */
    static long maxHeapBytes() {
        long text = new CountedText(new char[0], 0, new int[2 * CountedText.HEAD], 0, 0, 0).heapBytes()
                + 2L * MAX_CHARS;
        long slotArray = 16 + 4L * TEXTS_PER_SLOT;
        return 16 + 4L * SLOTS + SLOTS * (slotArray + TEXTS_PER_SLOT * text);
    }

    /** Heap held now by the kept texts and the slots. */
    long heapBytes() {
        long bytes = 16 + 4L * SLOTS;
        for (int i = 0; i < SLOTS; i++) {
            CountedText[] recent = slots.getAcquire(i);
            if (recent != null) {
                bytes += 16 + 4L * recent.length;
                for (CountedText c : recent) {
                    bytes += c.heapBytes();
                }
            }
        }
        return bytes;
    }

    @Override
    public String encodingName() {
        return tokenizer.encodingName();
    }

    @Override
    public String toString() {
        return "TokenCounter[" + tokenizer.encodingName() + ", resuming]";
    }
}
