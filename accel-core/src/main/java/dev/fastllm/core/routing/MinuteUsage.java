package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A group's requests and tokens in one calendar minute: one word per deployment, requests in the top 20
 * bits and tokens in the low 43, each word on its own pair of cache lines, or, for a strategy whose picks
 * read every candidate's word (usage-based), all words side by side, so that a pick reads one or a few lines
 * where it read one per candidate, each just written by another core. Checking a deployment's
 * {@code rpm} and {@code tpm} and claiming one request and its tokens is one compare-and-set on that word,
 * so two picks can never both take the last unit of capacity. A new minute is a new object swapped in
 * whole, already holding the claim or settlement of the call that starts it, so a minute's start is never
 * visible apart from the call that made it.
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
    /** Longs between two deployments' words: 128 bytes, so neighbours never share a line or a prefetch pair. */
    static final int STRIDE = 16;

    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Index of the tight bits: the first line of the array, 128 bytes before the first deployment's word. */
    private static final int TIGHT = 0;

    final long minute;
    private final long[] words;
    /** Longs between two deployments' words: {@link #STRIDE}, or 1 when dense. */
    private final int stride;

    /**
     * An empty minute whose tight bits are {@code tight}. Dense: the deployments' words side by side (on the
     * lines after the tight bits', padded after the last); else {@link #STRIDE} apart.
     */
    MinuteUsage(long minute, int deployments, long tight, boolean dense) {
        this.minute = minute;
        this.stride = dense ? 1 : STRIDE;
        this.words = new long[dense ? 2 * STRIDE + deployments : (deployments + 2) * STRIDE];
        this.words[TIGHT] = tight;
    }

    /**
     * A new minute in which deployment {@code i} holds {@code word} (see {@link #word}), with tight bits
     * {@code tight}, laid out as {@link #MinuteUsage} says for {@code dense}.
     */
    static MinuteUsage startedWith(long minute, int deployments, int i, long word, long tight, boolean dense) {
        MinuteUsage u = new MinuteUsage(minute, deployments, tight, dense);
        u.words[u.at(i)] = word;
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

    private int at(int i) {
        return STRIDE + i * stride;
    }

    long requests(int i) {
        return (long) WORDS.getVolatile(words, at(i)) >>> TOKEN_BITS;
    }

    /** Tokens used by deployment {@code i}; 0 when {@code u} is null (a minute not started yet). */
    static long tokens(MinuteUsage u, int i) {
        return u == null ? 0 : (long) WORDS.getVolatile(u.words, u.at(i)) & TOKENS_MAX;
    }

    /**
     * True when one more request of {@code tokens} stays within {@code rpm} and {@code tpm}; {@code u} null
     * stands for a minute not started yet, in which nothing is used.
     */
    static boolean fits(MinuteUsage u, int i, long tokens, long rpm, long tpm) {
        return fits(u == null ? 0L : (long) WORDS.getVolatile(u.words, u.at(i)), tokens, rpm, tpm);
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
        int at = at(i);
        for (;;) {
            long w = (long) WORDS.getVolatile(words, at);
            if (!fits(w, tokens, rpm, tpm)) {
                return ~w;
            }
            long r = Math.min((w >>> TOKEN_BITS) + 1, REQUESTS_MAX);
            long next = (r << TOKEN_BITS) | saturatedAdd(w & TOKENS_MAX, tokens);
            if (WORDS.compareAndSet(words, at, w, next)) {
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
        int at = at(i);
        for (;;) {
            long w = (long) WORDS.getVolatile(words, at);
            long t = saturatedAdd(Math.max(0, (w & TOKENS_MAX) - reserved), used);
            long next = (w & ~TOKENS_MAX) | t;
            if (next == w || WORDS.compareAndSet(words, at, w, next)) {
                return next;
            }
        }
    }

    static long saturatedAdd(long tokens, long more) {
        return more >= TOKENS_MAX - tokens ? TOKENS_MAX : tokens + more;
    }
}
