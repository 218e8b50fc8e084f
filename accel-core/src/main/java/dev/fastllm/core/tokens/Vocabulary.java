package dev.fastllm.core.tokens;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The mergeable ranks of one encoding: byte string to rank, read once from a published
 * {@code .tiktoken} rank file (one {@code base64 rank} pair a line, ranks dense from 0).
 *
 * <p>Layout, chosen for lookups of sub-ranges of a scratch byte array without allocating:
 * {@link #pairRanks} answers every two-byte lookup, the most frequent one in byte-pair merging,
 * with one array read; {@link #shortTable} holds every token of three to eight bytes as two adjacent
 * longs (the bytes packed big-endian, then {@code rank << 8 | length}), open-addressed and linearly
 * probed, so a lookup touches one cache line and follows no pointer; longer tokens live back to back in
 * {@link #tokenBytes} ({@link #tokenStart} holds where each rank starts) and are found through
 * {@link #slots}, a probed table of {@code rank + 1} (0 = empty). In front of both tables,
 * {@link #filter} (4 M bits, 512 KB, small enough to stay in a core's cache) has the bit of every
 * token's hash set: most lookups made while merging ask about byte strings that are not tokens, and
 * the filter answers most of those without touching the large tables. Immutable after construction,
 * so shared freely.
 */
final class Vocabulary {
    static final int NONE = Integer.MAX_VALUE;

    /** Value of each base64 character (the standard alphabet), -1 for any other byte. */
    private static final byte[] BASE64 = new byte[256];

    static {
        Arrays.fill(BASE64, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int v = 0; v < alphabet.length(); v++) {
            BASE64[alphabet.charAt(v)] = (byte) v;
        }
    }

    private final byte[] tokenBytes;
    private final int[] tokenStart;
    private final int[] slots;
    private final int slotMask;
    private final long[] shortTable;
    private final int shortMask;
    private static final int FILTER_BITS = 22;
    private final long[] filter = new long[1 << (FILTER_BITS - 6)];
    private final int[] pairRanks;
    private final int size;
    private final int longestToken;

    /** Over {@code size} tokens whose bytes lie back to back in {@code tokenBytes}, rank r at {@code tokenStart[r]}. */
    private Vocabulary(byte[] tokenBytes, int[] tokenStart, int size) {
        this.size = size;
        this.tokenBytes = tokenBytes;
        this.tokenStart = tokenStart;
        int longest = 0;
        int shortCount = 0;
        for (int r = 0; r < size; r++) {
            int length = tokenStart[r + 1] - tokenStart[r];
            longest = Math.max(longest, length);
            if (length <= 8) {
                shortCount++;
            }
        }
        longestToken = longest;
        int longCount = size - shortCount;
        int capacity = Integer.highestOneBit(Math.max(16, longCount * 2)) << 1;
        slots = new int[capacity];
        slotMask = capacity - 1;
        int shortCapacity = Integer.highestOneBit(Math.max(16, shortCount * 2));
        shortTable = new long[2 * shortCapacity];
        shortMask = shortCapacity - 1;
        pairRanks = new int[1 << 16];
        Arrays.fill(pairRanks, NONE);
        for (int r = 0; r < size; r++) {
            int from = tokenStart[r];
            int to = tokenStart[r + 1];
            int length = to - from;
            if (length <= 8) {
                long key = pack(tokenBytes, from, to);
                int slot = shortSlot(key, length);
                while (shortTable[2 * slot + 1] != 0) {
                    slot = (slot + 1) & shortMask;
                }
                shortTable[2 * slot] = key;
                shortTable[2 * slot + 1] = ((long) r << 8) | length;
                int bit = shortFilterBit(key, length);
                filter[bit >>> 6] |= 1L << bit;
            } else {
                int hash = hash(tokenBytes, from, to);
                int slot = hash & slotMask;
                while (slots[slot] != 0) {
                    slot = (slot + 1) & slotMask;
                }
                slots[slot] = r + 1;
                int bit = longFilterBit(hash);
                filter[bit >>> 6] |= 1L << bit;
            }
            if (length == 2) {
                pairRanks[((tokenBytes[from] & 0xFF) << 8) | (tokenBytes[from + 1] & 0xFF)] = r;
            }
        }
    }

    static long pack(byte[] b, int from, int to) {
        long key = 0;
        for (int i = from; i < to; i++) {
            key = (key << 8) | (b[i] & 0xFF);
        }
        return key;
    }

    private static int shortFilterBit(long key, int length) {
        return (int) (((key + length) * 0x9E3779B97F4A7C15L) >>> (64 - FILTER_BITS));
    }

    private static int longFilterBit(int hash) {
        return (hash * 0x9E3779B9) >>> (32 - FILTER_BITS);
    }

    private int shortSlot(long key, int length) {
        long h = (key + length) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & shortMask;
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
        try (InputStream in = raw) {
            return parse(resource, in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read rank file " + resource, e);
        }
    }

    /**
     * Decodes a rank file's bytes ({@code base64 rank} a line) straight into one array of token bytes: no string,
     * no array per line, since this runs once per encoding at start-up, mostly before the JIT has compiled it.
     */
    static Vocabulary parse(String resource, byte[] file) {
        int lines = 1;
        for (byte b : file) {
            if (b == '\n') {
                lines++;
            }
        }
        byte[] bytes = new byte[file.length]; // a token's bytes are shorter than its base64
        int[] starts = new int[lines + 1];
        int count = 0;
        int out = 0;
        int i = 0;
        int n = file.length;
        while (i < n) {
            if (file[i] == '\n' || file[i] == '\r') {
                i++;
                continue;
            }
            starts[count] = out;
            int bits = 0;
            int acc = 0;
            for (; i < n && file[i] != ' '; i++) {
                int c = file[i] & 0xFF;
                if (c == '=') {
                    continue;
                }
                int v = BASE64[c];
                if (v < 0) {
                    throw new IllegalStateException(resource + ": not base64 in the token of line " + (count + 1));
                }
                acc = (acc << 6) | v;
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    bytes[out++] = (byte) (acc >>> bits);
                    acc &= (1 << bits) - 1;
                }
            }
            long rank = 0;
            int digits = 0;
            for (i++; i < n && file[i] != '\n' && file[i] != '\r'; i++, digits++) {
                int d = file[i] - '0';
                if (d < 0 || d > 9 || rank > Integer.MAX_VALUE) {
                    throw new IllegalStateException(resource + ": no rank on line " + (count + 1));
                }
                rank = rank * 10 + d;
            }
            if (digits == 0 || rank != count) {
                throw new IllegalStateException(resource + ": expected rank " + count + " but read "
                        + (digits == 0 ? "none" : Long.toString(rank)));
            }
            count++;
        }
        starts[count] = out;
        return new Vocabulary(Arrays.copyOf(bytes, out), Arrays.copyOf(starts, count + 1), count);
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
        if (length <= 8) {
            return shortRank(pack(b, from, to), length);
        }
        return longRank(b, from, to);
    }

    /** The rank of two bytes, or {@link #NONE}. */
    int pairRank(byte first, byte second) {
        return pairRanks[((first & 0xFF) << 8) | (second & 0xFF)];
    }

    /** The rank of the {@code length} (1 to 8) bytes packed big-endian in {@code key}, or {@link #NONE}. */
    int shortRank(long key, int length) {
        int bit = shortFilterBit(key, length);
        if ((filter[bit >>> 6] & (1L << bit)) == 0) {
            return NONE;
        }
        long[] table = shortTable;
        for (int slot = shortSlot(key, length); ; slot = (slot + 1) & shortMask) {
            long meta = table[2 * slot + 1];
            if (meta == 0) {
                return NONE;
            }
            if ((meta & 0xFF) == length && table[2 * slot] == key) {
                return (int) (meta >>> 8);
            }
        }
    }

    /** The rank of {@code b[from, to)} when longer than eight bytes, or {@link #NONE}. */
    int longRank(byte[] b, int from, int to) {
        int length = to - from;
        if (length > longestToken) {
            return NONE;
        }
        int hash = hash(b, from, to);
        int bit = longFilterBit(hash);
        if ((filter[bit >>> 6] & (1L << bit)) == 0) {
            return NONE;
        }
        int slot = hash & slotMask;
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

    int size() {
        return size;
    }

    /** The longest token's length in bytes. */
    int longestToken() {
        return longestToken;
    }

    /** Length in bytes of the token of rank {@code rank} (0 to {@link #size()} - 1). */
    int length(int rank) {
        return tokenStart[rank + 1] - tokenStart[rank];
    }

    /** Where the token of rank {@code rank} starts in {@link #tokenBytes()}. */
    int start(int rank) {
        return tokenStart[rank];
    }

    /** Every token's bytes back to back, in rank order (shared; never written). */
    byte[] tokenBytes() {
        return tokenBytes;
    }

    /** The bytes this vocabulary holds on the heap: its arrays, headers included. */
    long heapBytes() {
        return arrayBytes(tokenBytes.length, 1) + arrayBytes(tokenStart.length, 4)
                + arrayBytes(slots.length, 4) + arrayBytes(shortTable.length, 8)
                + arrayBytes(pairRanks.length, 4) + arrayBytes(filter.length, 8) + 56;
    }

    static long arrayBytes(long length, int elementSize) {
        return (16 + length * elementSize + 7) & ~7L;
    }
}
