package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A group's requests and tokens in one calendar minute: one word per deployment, requests in the top 20
 * bits and tokens in the low 43, each word on its own pair of cache lines. Checking a deployment's
 * {@code rpm} and {@code tpm} and claiming one request and its tokens is one compare-and-set on that word,
 * so two picks can never both take the last unit of capacity. A new minute is a new object swapped in
 * whole, already holding the claim or settlement of the call that starts it, so a minute's start is never
 * visible apart from the call that made it.
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

    final long minute;
    private final long[] words;

    MinuteUsage(long minute, int deployments) {
        this.minute = minute;
        this.words = new long[(deployments + 2) * STRIDE];
    }

    /** A new minute in which deployment {@code i} has already used one request and {@code tokens}. */
    static MinuteUsage startedWith(long minute, int deployments, int i, long requests, long tokens) {
        MinuteUsage u = new MinuteUsage(minute, deployments);
        u.words[at(i)] = (requests << TOKEN_BITS) | saturatedAdd(0, tokens);
        return u; // published by the compare-and-set that installs it
    }

    private static int at(int i) {
        return (i + 1) * STRIDE;
    }

    long requests(int i) {
        return (long) WORDS.getVolatile(words, at(i)) >>> TOKEN_BITS;
    }

    /** Tokens used by deployment {@code i}; 0 when {@code u} is null (a minute not started yet). */
    static long tokens(MinuteUsage u, int i) {
        return u == null ? 0 : (long) WORDS.getVolatile(u.words, at(i)) & TOKENS_MAX;
    }

    /**
     * True when one more request of {@code tokens} stays within {@code rpm} and {@code tpm}; {@code u} null
     * stands for a minute not started yet, in which nothing is used.
     */
    static boolean fits(MinuteUsage u, int i, long tokens, long rpm, long tpm) {
        return fits(u == null ? 0L : (long) WORDS.getVolatile(u.words, at(i)), tokens, rpm, tpm);
    }

    private static boolean fits(long w, long tokens, long rpm, long tpm) {
        return (w >>> TOKEN_BITS) < rpm && tokens <= tpm - (w & TOKENS_MAX);
    }

    /** Claims one request and {@code tokens} if they fit; false if they do not (any more). */
    boolean claim(int i, long tokens, long rpm, long tpm) {
        int at = at(i);
        for (;;) {
            long w = (long) WORDS.getVolatile(words, at);
            if (!fits(w, tokens, rpm, tpm)) {
                return false;
            }
            long r = Math.min((w >>> TOKEN_BITS) + 1, REQUESTS_MAX);
            long t = saturatedAdd(w & TOKENS_MAX, tokens);
            if (WORDS.compareAndSet(words, at, w, (r << TOKEN_BITS) | t)) {
                return true;
            }
        }
    }

    /**
     * Settles a claim's tokens: drops {@code reserved} (not below zero), then adds {@code used}; the request
     * stays counted.
     */
    void settle(int i, long reserved, long used) {
        if (reserved == 0 && used == 0) {
            return;
        }
        int at = at(i);
        for (;;) {
            long w = (long) WORDS.getVolatile(words, at);
            long t = saturatedAdd(Math.max(0, (w & TOKENS_MAX) - reserved), used);
            long next = (w & ~TOKENS_MAX) | t;
            if (next == w || WORDS.compareAndSet(words, at, w, next)) {
                return;
            }
        }
    }

    static long saturatedAdd(long tokens, long more) {
        return more >= TOKENS_MAX - tokens ? TOKENS_MAX : tokens + more;
    }
}
