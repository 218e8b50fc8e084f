package dev.fastllm.core.tokens;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The mergeable ranks of one encoding: byte string to rank, read once from a published
 * {@code .tiktoken} rank file (one {@code base64 rank} pair a line, ranks dense from 0).
 *
 * <p>Layout, chosen for lookups of sub-ranges of a scratch byte array without allocating:
 * every token's bytes live back to back in {@link #tokenBytes}; {@link #tokenStart} holds where
 * each rank's bytes start (rank {@code r} spans {@code tokenStart[r] .. tokenStart[r + 1]});
 * {@link #slots} is an open-addressed, linearly probed table of {@code rank + 1} (0 = empty) indexed
 * by a hash of the bytes; and {@link #pairRanks} answers every two-byte lookup, the most frequent
 * one in byte-pair merging, with one array read. Immutable after construction, so shared freely.
 */
final class Vocabulary {
    static final int NONE = Integer.MAX_VALUE;

    private final byte[] tokenBytes;
    private final int[] tokenStart;
    private final int[] slots;
    private final int slotMask;
    private final int[] pairRanks;
    private final int size;
    private final int longestToken;

    private Vocabulary(byte[][] tokens) {
        this.size = tokens.length;
        int total = 0;
        int longest = 0;
        for (byte[] t : tokens) {
            total += t.length;
            longest = Math.max(longest, t.length);
        }
        longestToken = longest;
        tokenBytes = new byte[total];
        tokenStart = new int[size + 1];
        int at = 0;
        for (int r = 0; r < size; r++) {
            tokenStart[r] = at;
            System.arraycopy(tokens[r], 0, tokenBytes, at, tokens[r].length);
            at += tokens[r].length;
        }
        tokenStart[size] = at;

        int capacity = Integer.highestOneBit(Math.max(16, size * 2)) << 1;
        slots = new int[capacity];
        slotMask = capacity - 1;
        pairRanks = new int[1 << 16];
        Arrays.fill(pairRanks, NONE);
        for (int r = 0; r < size; r++) {
            byte[] t = tokens[r];
            int slot = hash(t, 0, t.length) & slotMask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & slotMask;
            }
            slots[slot] = r + 1;
            if (t.length == 2) {
                pairRanks[((t[0] & 0xFF) << 8) | (t[1] & 0xFF)] = r;
            }
        }
    }

    /** Reads a rank file from the class path; ranks must be the line's position (dense from 0). */
    static Vocabulary load(String resource) {
        ClassLoader loader = Vocabulary.class.getClassLoader();
        InputStream raw = loader == null
                ? ClassLoader.getSystemResourceAsStream(resource)
                : loader.getResourceAsStream(resource);
        if (raw == null) {
            throw new IllegalStateException("rank file not on the class path: " + resource);
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.US_ASCII), 1 << 16)) {
            byte[][] tokens = new byte[1 << 12][];
            int count = 0;
            Base64.Decoder base64 = Base64.getDecoder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    continue;
                }
                int space = line.indexOf(' ');
                int rank = Integer.parseInt(line, space + 1, line.length(), 10);
                if (rank != count) {
                    throw new IllegalStateException(resource + ": expected rank " + count + " but read " + rank);
                }
                if (count == tokens.length) {
                    tokens = Arrays.copyOf(tokens, count * 2);
                }
                tokens[count++] = base64.decode(line.substring(0, space));
            }
            return new Vocabulary(Arrays.copyOf(tokens, count));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read rank file " + resource, e);
        }
    }

    /** Hash of {@code b[from, to)}: bytes packed eight at a time into longs, then mixed. */
    static int hash(byte[] b, int from, int to) {
        long h = to - from;
        int i = from;
        while (to - i >= 8) {
            long k = ((long) (b[i] & 0xFF) << 56) | ((long) (b[i + 1] & 0xFF) << 48)
                    | ((long) (b[i + 2] & 0xFF) << 40) | ((long) (b[i + 3] & 0xFF) << 32)
                    | ((long) (b[i + 4] & 0xFF) << 24) | ((b[i + 5] & 0xFF) << 16)
                    | ((b[i + 6] & 0xFF) << 8) | (b[i + 7] & 0xFF);
            h = Long.rotateLeft((h ^ k) * 0x9E3779B97F4A7C15L, 29);
            i += 8;
        }
        long k = 0;
        for (; i < to; i++) {
            k = (k << 8) | (b[i] & 0xFF);
        }
        h = (h ^ k) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The rank of {@code b[from, to)}, or {@link #NONE} when that byte string is not a token. */
    int rank(byte[] b, int from, int to) {
        int length = to - from;
        if (length == 2) {
            return pairRanks[((b[from] & 0xFF) << 8) | (b[from + 1] & 0xFF)];
        }
        if (length == 1) {
            return singleByteRank(b[from]);
        }
        if (length > longestToken) {
            return NONE;
        }
        int slot = hash(b, from, to) & slotMask;
        for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & slotMask) {
            int r = entry - 1;
            int start = tokenStart[r];
            if (tokenStart[r + 1] - start == length
                    && Arrays.equals(tokenBytes, start, start + length, b, from, to)) {
                return r;
            }
        }
        return NONE;
    }

    private int singleByteRank(byte b) {
        // Not hot: single bytes are never looked up while merging (pairs are the smallest merge).
        byte[] one = {b};
        int slot = hash(one, 0, 1) & slotMask;
        for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & slotMask) {
            int r = entry - 1;
            if (tokenStart[r + 1] - tokenStart[r] == 1 && tokenBytes[tokenStart[r]] == b) {
                return r;
            }
        }
        return NONE;
    }

    int size() {
        return size;
    }

    /** The bytes this vocabulary holds on the heap: its arrays, headers included. */
    long heapBytes() {
        return arrayBytes(tokenBytes.length, 1) + arrayBytes(tokenStart.length, 4)
                + arrayBytes(slots.length, 4) + arrayBytes(pairRanks.length, 4) + 32;
    }

    static long arrayBytes(long length, int elementSize) {
        return (16 + length * elementSize + 7) & ~7L;
    }
}
