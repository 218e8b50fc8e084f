package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A group's requests and tokens in one calendar minute: one word per deployment, tokens in the low 43 bits,
 * requests in the 20 above them and bit 63 the {@link #WIDE} flag (see below). Checking a deployment's
 * {@code rpm} and {@code tpm} and claiming one request and its tokens is one compare-and-set on that word,
 * so two picks can never both take the last unit of capacity. A new minute is a new object swapped in whole, already holding the claim or settlement of the
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
 * <p>Counts are exact. Requests saturate at {@link #REQUESTS_MAX}, which changes no answer: {@code rpm} is
 * either unset or at most that, and a claim only counts a request below {@code rpm}. Tokens are exact in
 * the word up to {@link #TOKENS_MAX}; a claim or settlement whose exact result would exceed it first
 * <em>freezes</em> the word (sets {@link #WIDE}, bit 63, keeping its fields), and from then on, for the rest
 * of the minute, the deployment's exact counts live in a cell of this minute ({@link Wide}, immutable,
 * replaced by compare-and-set; tokens saturate at {@code Long.MAX_VALUE} as the original's do). Whoever
 * meets a frozen word without a cell creates it from the frozen word's fields: every creator computes the
 * same, and the frozen word never changes again, so the first to install it wins and the others use it.
 * The cells' array is made on the first freeze of the minute: a minute that never goes wide costs nothing
 * more. A frozen word is never in its roomy region, and freezing sets the deployment's tight bit, so picks
 * read the exact counts.
 */
final class MinuteUsage {
    static final int TOKEN_BITS = 43;
    static final long TOKENS_MAX = (1L << TOKEN_BITS) - 1;
    static final long REQUESTS_MAX = (1L << 20) - 1;
    /** Bit 63 of a usage word (not of an in-flight count): frozen, the exact counts are in a {@link Wide} cell. */
    static final long WIDE = Long.MIN_VALUE;
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
    private static final VarHandle WIDE_CELLS = MethodHandles.arrayElementVarHandle(Wide[].class);
    private static final VarHandle CELLS;

    static {
        try {
            CELLS = MethodHandles.lookup().findVarHandle(MinuteUsage.class, "cells", Wide[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A deployment's exact counts in a minute once its word froze: requests (saturating at
     * {@link #REQUESTS_MAX}, as in the word) and tokens (saturating at {@code Long.MAX_VALUE}, as the
     * original's).
     */
    record Wide(long requests, long tokens) {
        boolean fits(long more, long rpm, long tpm) {
            return requests < rpm && more <= tpm - tokens;
        }
    }

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
    /** Exact counts of deployments whose word froze, by deployment; null until the minute's first freeze. */
    private volatile Wide[] cells;

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
     * A new minute in which deployment {@code i} used {@code requests} and {@code tokens} (any amount), with
     * the tight bits the limits ({@code regions}) call for, laid out as {@link #MinuteUsage} says. Tokens
     * beyond {@link #TOKENS_MAX} start the minute as a call on an empty minute would leave it: the word
     * frozen from (0, 0), the cell holding the exact counts, the bit set.
     */
    static MinuteUsage startedWith(long minute, int deployments, int i, long requests, long tokens,
                                   RoomyRegions regions, Layout layout, boolean offHeap) {
        if (tokens <= TOKENS_MAX) {
            long word = word(requests, tokens);
            MinuteUsage u = new MinuteUsage(minute, deployments, regions.tightWith(i, word), layout, offHeap);
            u.store(i, word);
            return u; // published by the compare-and-set that installs it
        }
        MinuteUsage u = new MinuteUsage(minute, deployments, regions.alwaysTight | 1L << i, layout, offHeap);
        Wide[] wide = new Wide[deployments];
        wide[i] = new Wide(requests, tokens);
        u.cells = wide;
        u.store(i, WIDE);
        return u;
    }

    /** The compact word of a deployment that used {@code requests} and {@code tokens} (at most {@link #TOKENS_MAX}). */
    static long word(long requests, long tokens) {
        assert tokens >= 0 && tokens <= TOKENS_MAX && requests >= 0 && requests <= REQUESTS_MAX;
        return (requests << TOKEN_BITS) | tokens;
    }

    /** Requests of a compact word, or the fields a frozen word was frozen with. */
    static long requestsOf(long word) {
        return (word & ~WIDE) >>> TOKEN_BITS;
    }

    static long tokensOf(long word) {
        return word & TOKENS_MAX;
    }

    static boolean wide(long word) {
        return word < 0;
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

    /** Deployment {@code i}'s word (for tests). */
    long word(int i) {
        return load(i);
    }

    long requests(int i) {
        long w = load(i);
        return w >= 0 ? w >>> TOKEN_BITS : wide(i, w).requests;
    }

    /** Tokens used by deployment {@code i}; 0 when {@code u} is null (a minute not started yet). */
    static long tokens(MinuteUsage u, int i) {
        if (u == null) {
            return 0;
        }
        long w = u.load(i);
        return w >= 0 ? w & TOKENS_MAX : u.wide(i, w).tokens;
    }

    /**
     * Deployment {@code i}'s exact counts, its word {@code frozen} having been read frozen: the cell, made
     * from the frozen word's fields if no one made it yet.
     */
    private Wide wide(int i, long frozen) {
        Wide[] wide = cells;
        if (wide == null) {
            Wide[] made = new Wide[n];
            wide = CELLS.compareAndSet(this, null, made) ? made : cells;
        }
        Wide w = (Wide) WIDE_CELLS.getVolatile(wide, i);
        if (w == null) {
            Wide made = new Wide(requestsOf(frozen), tokensOf(frozen));
            w = WIDE_CELLS.compareAndSet(wide, i, null, made) ? made : (Wide) WIDE_CELLS.getVolatile(wide, i);
        }
        return w;
    }

    /**
     * Freezes deployment {@code i}'s word {@code w} (its fields kept) and sets the deployment's tight bit;
     * a no-op when the word changed since it was read (the caller reads it again).
     */
    private void freeze(int i, long w) {
        if (cas(i, w, w | WIDE)) {
            markTight(i);
        }
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
        if (u == null) {
            return fits(0L, tokens, rpm, tpm);
        }
        long w = u.load(i);
        return w >= 0 ? fits(w, tokens, rpm, tpm) : u.wide(i, w).fits(tokens, rpm, tpm);
    }

    /** For a compact word: fewer requests than {@code rpm}, and {@code tokens} more within {@code tpm}. */
    private static boolean fits(long w, long tokens, long rpm, long tpm) {
        return (w >>> TOKEN_BITS) < rpm && tokens <= tpm - (w & TOKENS_MAX);
    }

    /**
     * Claims one request and {@code tokens} (at least 0) for deployment {@code i} if they fit, and sets its
     * tight bit if the word after the claim, or the word that refused it, lies outside its roomy region in
     * {@code regions} (a frozen word always does).
     *
     * @return true when claimed; false when they do not fit (any more)
     */
    boolean claim(int i, long tokens, long rpm, long tpm, RoomyRegions regions) {
        for (;;) {
            long w = load(i);
            if (w < 0) {
                return claimWide(i, w, tokens, rpm, tpm);
            }
            if (!fits(w, tokens, rpm, tpm)) {
                if (!regions.contains(i, w)) {
                    markTight(i);
                }
                return false;
            }
            long t = (w & TOKENS_MAX) + tokens; // at most tpm: no overflow
            if (t > TOKENS_MAX) {
                freeze(i, w);
                continue;
            }
            long next = (Math.min((w >>> TOKEN_BITS) + 1, REQUESTS_MAX) << TOKEN_BITS) | t;
            if (cas(i, w, next)) {
                if (!regions.contains(i, next)) {
                    markTight(i);
                }
                return true;
            }
        }
    }

    private boolean claimWide(int i, long frozen, long tokens, long rpm, long tpm) {
        markTight(i); // set by the freeze; here too, in case the freezer has not set it yet
        for (;;) {
            Wide c = wide(i, frozen);
            if (!c.fits(tokens, rpm, tpm)) {
                return false;
            }
            Wide next = new Wide(Math.min(c.requests + 1, REQUESTS_MAX), c.tokens + tokens); // at most tpm
            if (WIDE_CELLS.compareAndSet(cells, i, c, next)) {
                return true;
            }
        }
    }

    /**
     * Settles a claim's tokens: drops {@code reserved} (not below zero), then adds {@code used}, as the
     * original does; the request stays counted. Sets the tight bit if the word leaves its roomy region.
     */
    void settle(int i, long reserved, long used, RoomyRegions regions) {
        for (;;) {
            long w = load(i);
            if (w < 0) {
                settleWide(i, w, reserved, used);
                return;
            }
            long kept = Math.max(0, (w & TOKENS_MAX) - reserved);
            if (used > TOKENS_MAX - kept) {
                freeze(i, w);
                continue;
            }
            long next = (w & ~TOKENS_MAX) | (kept + used);
            if (next == w || cas(i, w, next)) {
                if (!regions.contains(i, next)) {
                    markTight(i);
                }
                return;
            }
        }
    }

    /**
     * Adds {@code requests} and {@code tokens} (both at least 0) to deployment {@code i}'s counts whatever
     * its limits, as a router taking over another's usage of this minute does: requests saturate at
     * {@link #REQUESTS_MAX}, tokens beyond {@link #TOKENS_MAX} freeze the word into its cell. Sets the tight
     * bit if the word leaves its roomy region.
     */
    void add(int i, long requests, long tokens, RoomyRegions regions) {
        for (;;) {
            long w = load(i);
            if (w < 0) {
                addWide(i, w, requests, tokens);
                return;
            }
            long t = saturatedAdd(w & TOKENS_MAX, tokens);
            if (t > TOKENS_MAX) {
                freeze(i, w);
                continue;
            }
            long next = (Math.min(saturatedAdd(w >>> TOKEN_BITS, requests), REQUESTS_MAX) << TOKEN_BITS) | t;
            if (next == w || cas(i, w, next)) {
                if (!regions.contains(i, next)) {
                    markTight(i);
                }
                return;
            }
        }
    }

    private void addWide(int i, long frozen, long requests, long tokens) {
        markTight(i);
        for (;;) {
            Wide c = wide(i, frozen);
            Wide next = new Wide(Math.min(saturatedAdd(c.requests, requests), REQUESTS_MAX),
                    saturatedAdd(c.tokens, tokens));
            if (WIDE_CELLS.compareAndSet(cells, i, c, next)) {
                return;
            }
        }
    }

    private void settleWide(int i, long frozen, long reserved, long used) {
        markTight(i);
        for (;;) {
            Wide c = wide(i, frozen);
            Wide next = new Wide(c.requests, saturatedAdd(Math.max(0, c.tokens - reserved), used));
            if (WIDE_CELLS.compareAndSet(cells, i, c, next)) {
                return;
            }
        }
    }

    /** {@code a + b} for {@code a, b >= 0}, saturating at {@code Long.MAX_VALUE} (the original's sum). */
    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
