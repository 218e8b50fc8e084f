package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A group's requests and tokens in one calendar minute: one word per deployment, requests in the top 20
 * bits and tokens in the low 43. Checking a deployment's {@code rpm} and {@code tpm} and claiming one request
 * and its tokens is one compare-and-set on that word, so two picks can never both take the last unit of
 * capacity. A new minute is a new object swapped in whole, already holding the claim or settlement of the
 * call that starts it, so a minute's start is never visible apart from the call that made it.
 *
 * <p>Two layouts ({@link Layout}). Padded: each word on its own pair of cache lines, for strategies whose
 * picks read only the chosen deployment's word. Side by side: all words adjacent from the start of a
 * 64-byte line, for strategies whose picks read every candidate's word, so that a pick reads one line (eight
 * words a line) where it read one per candidate, each just written by another core. Side-by-side words live
 * in a direct buffer aligned to the line, as the heap only aligns an array to 8 bytes: four words on the
 * heap straddle two lines in three runs of eight, and what a pick costs then depends on where the array
 * landed. If the buffer cannot be had, the words go side by side in the heap array instead.
 *
 * <p>Under least-busy the minute also carries the deployments' requests in flight, right after the words:
 * a least-busy pick reads every count and its claim writes one word and one count, and an end writes them
 * again, so all of that is one line. The counts outlive the minute: whoever installs the next minute moves
 * them there ({@link #takeFlights}), leaving a mark in the old counts so that a claim or end that comes
 * to them late adds to the newest minute instead ({@link #addFlights}).
 *
 * <p>Beside the words, one read-mostly word of <em>tight</em> bits (bit i for deployment i), on a line of
 * its own: a clear bit promises that deployment i's word lies in its roomy region (see
 * {@link RoomyRegions}), where any request of up to the deployment's slack fits, so that a pick can count it a
 * candidate without reading its word, which the other cores keep writing. A bit is set by whoever leaves
 * the region (after the compare-and-set that does) and is never cleared within a minute; a new minute
 * starts with the bits its first word and the limits call for. Between the update and the bit a
 * concurrent pick may count a full deployment a candidate: the claim's compare-and-set re-checks, so
 * capacity is still never oversold.
 *
 * <p>Counts are exact up to {@link #REQUESTS_MAX} requests and {@link #TOKENS_MAX} tokens per deployment
 * and minute, and saturate there; {@link FastRouter} refuses limits above them.
 */
final class MinuteUsage {
    static final int TOKEN_BITS = 43;
    static final long TOKENS_MAX = (1L << TOKEN_BITS) - 1;
    static final long REQUESTS_MAX = (1L << 20) - 1;
    /** Longs between two deployments' padded words: 128 bytes, so neighbours never share a line or a prefetch pair. */
    static final int STRIDE = 16;
    /**
     * What a minute's in-flight counts hold once they moved to a later minute; any count at or below
     * {@link #MOVED_BELOW} reads as moved, so that late additions of a few units keep the mark.
     */
    static final long MOVED = Long.MIN_VALUE / 2;
    static final long MOVED_BELOW = MOVED / 2;

    private static final int LINE = 64;
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle BUFFER = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    /** Index of the tight bits: the first line of the array, 128 bytes before the first deployment's word. */
    private static final int TIGHT = 0;

    /** How a group keeps its minutes' words. */
    enum Layout {
        /** One word per pair of lines. */
        PADDED(false, false),
        /** Words side by side from a line's start. */
        SIDE_BY_SIDE(true, false),
        /** Words side by side from a line's start, then the in-flight counts (least-busy). */
        SIDE_BY_SIDE_WITH_FLIGHTS(true, true);

        final boolean sideBySide;
        final boolean flights;

        Layout(boolean sideBySide, boolean flights) {
            this.sideBySide = sideBySide;
            this.flights = flights;
        }
    }

    final long minute;
    /** The tight bits (padded to 128 bytes), and the words unless they are in {@link #line}. */
    private final long[] words;
    /** Side-by-side words (and counts), slot k at byte {@code 8k}; null: in {@link #words}. */
    private final ByteBuffer line;
    /** Longs between two slots in {@link #words}: {@link #STRIDE} when padded, else 1. */
    private final int stride;
    /** Deployments: the first in-flight count's slot. */
    private final int n;

    /**
     * An empty minute whose tight bits are {@code tight}, laid out as {@code layout} says; side by side in a
     * direct buffer when {@code offHeap} (and the buffer can be had), else in the heap array.
     */
    MinuteUsage(long minute, int deployments, long tight, Layout layout, boolean offHeap) {
        this.minute = minute;
        this.n = deployments;
        int slots = layout.flights ? 2 * deployments : deployments;
        ByteBuffer buffer = layout.sideBySide && offHeap ? alignedLines(slots) : null;
        this.line = buffer;
        this.stride = layout.sideBySide ? 1 : STRIDE;
        this.words = new long[buffer != null ? STRIDE : layout.sideBySide ? 2 * STRIDE + slots : (deployments + 2) * STRIDE];
        this.words[TIGHT] = tight;
    }

    /**
     * {@code slots} longs from the start of a 64-byte line, with a line of padding on either side that no
     * one else writes: null when the direct memory is not there (the caller keeps the words on the heap).
     */
    private static ByteBuffer alignedLines(int slots) {
        int body = (slots * Long.BYTES + LINE - 1) / LINE * LINE;
        try {
            ByteBuffer raw = ByteBuffer.allocateDirect(LINE + (LINE - 1) + body + LINE);
            raw.position(LINE).limit(raw.capacity() - LINE);
            return raw.alignedSlice(LINE);
        } catch (OutOfMemoryError e) {
            return null;
        }
    }

    /**
     * A new minute in which deployment {@code i} holds {@code word} (see {@link #word}), with tight bits
     * {@code tight}, laid out as {@link #MinuteUsage} says.
     */
    static MinuteUsage startedWith(long minute, int deployments, int i, long word, long tight, Layout layout,
                                   boolean offHeap) {
        MinuteUsage u = new MinuteUsage(minute, deployments, tight, layout, offHeap);
        u.store(i, word);
        return u; // published by the compare-and-set that installs it
    }

    /** The word of a deployment that used {@code requests} and {@code tokens} (saturated). */
    static long word(long requests, long tokens) {
        return (requests << TOKEN_BITS) | saturatedAdd(0, tokens);
    }

    static long requestsOf(long word) {
        return word >>> TOKEN_BITS;
    }

    static long tokensOf(long word) {
        return word & TOKENS_MAX;
    }

    /** Bit i set: deployment i's word may have left its roomy region; read it. */
    long tight() {
        return (long) WORDS.getAcquire(words, TIGHT);
    }

    /** Records that deployment {@code i}'s word left its roomy region (once; idempotent). */
    void markTight(int i) {
        long bit = 1L << i;
        if ((tight() & bit) == 0) {
            WORDS.getAndBitwiseOr(words, TIGHT, bit);
        }
    }

    /** Slot {@code k}'s index in {@link #words}. */
    private int at(int k) {
        return STRIDE + k * stride;
    }

    private long load(int k) {
        return line != null ? (long) BUFFER.getVolatile(line, k << 3) : (long) WORDS.getVolatile(words, at(k));
    }

    private void store(int k, long v) {
        if (line != null) {
            BUFFER.set(line, k << 3, v);
        } else {
            WORDS.set(words, at(k), v);
        }
    }

    private boolean cas(int k, long expected, long v) {
        return line != null ? BUFFER.compareAndSet(line, k << 3, expected, v)
                : WORDS.compareAndSet(words, at(k), expected, v);
    }

    private long getAndAdd(int k, long delta) {
        return line != null ? (long) BUFFER.getAndAdd(line, k << 3, delta)
                : (long) WORDS.getAndAdd(words, at(k), delta);
    }

    private long getAndSet(int k, long v) {
        return line != null ? (long) BUFFER.getAndSet(line, k << 3, v) : (long) WORDS.getAndSet(words, at(k), v);
    }

    /** True when the words lie in an aligned direct buffer (for tests). */
    boolean offHeap() {
        return line != null;
    }

    long requests(int i) {
        return load(i) >>> TOKEN_BITS;
    }

    /** Tokens used by deployment {@code i}; 0 when {@code u} is null (a minute not started yet). */
    static long tokens(MinuteUsage u, int i) {
        return u == null ? 0 : u.load(i) & TOKENS_MAX;
    }

    /**
     * Deployment {@code i}'s requests in flight as this minute counts them (least-busy only): may be below
     * zero while a new minute's counts are being moved in; {@link #moved} once they moved on.
     */
    long flights(int i) {
        return load(n + i);
    }

    /** True for a count that moved to a later minute. */
    static boolean moved(long flights) {
        return flights <= MOVED_BELOW;
    }

    /**
     * Adds {@code delta} to deployment {@code i}'s in-flight count; false, counting nothing that anyone
     * reads, when the counts moved to a later minute (add there).
     */
    boolean addFlights(int i, long delta) {
        return !moved(getAndAdd(n + i, delta));
    }

    /** Takes deployment {@code i}'s in-flight count out, for the next minute, and marks it moved. */
    long takeFlights(int i) {
        return getAndSet(n + i, MOVED);
    }

    /**
     * True when one more request of {@code tokens} stays within {@code rpm} and {@code tpm}; {@code u} null
     * stands for a minute not started yet, in which nothing is used.
     */
    static boolean fits(MinuteUsage u, int i, long tokens, long rpm, long tpm) {
        return fits(u == null ? 0L : u.load(i), tokens, rpm, tpm);
    }

    private static boolean fits(long w, long tokens, long rpm, long tpm) {
        return (w >>> TOKEN_BITS) < rpm && tokens <= tpm - (w & TOKENS_MAX);
    }

    /**
     * Claims one request and {@code tokens} if they fit.
     *
     * @return the word after the claim (never negative); or, when they do not fit (any more), the
     *         complement ({@code ~w}, negative) of the word that refused them
     */
    long claim(int i, long tokens, long rpm, long tpm) {
        for (;;) {
            long w = load(i);
            if (!fits(w, tokens, rpm, tpm)) {
                return ~w;
            }
            long r = Math.min((w >>> TOKEN_BITS) + 1, REQUESTS_MAX);
            long next = (r << TOKEN_BITS) | saturatedAdd(w & TOKENS_MAX, tokens);
            if (cas(i, w, next)) {
                return next;
            }
        }
    }

    /**
     * Settles a claim's tokens: drops {@code reserved} (not below zero), then adds {@code used}; the request
     * stays counted.
     *
     * @return the word after the settlement
     */
    long settle(int i, long reserved, long used) {
        for (;;) {
            long w = load(i);
            long t = saturatedAdd(Math.max(0, (w & TOKENS_MAX) - reserved), used);
            long next = (w & ~TOKENS_MAX) | t;
            if (next == w || cas(i, w, next)) {
                return next;
            }
        }
    }

    static long saturatedAdd(long tokens, long more) {
        return more >= TOKENS_MAX - tokens ? TOKENS_MAX : tokens + more;
    }
}
