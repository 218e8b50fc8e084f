package dev.fastllm.core.tokens;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One loaded encoding: its vocabulary, its piece caches (counts; ids), its merge tree, and how it turns a
 * piece's chars into bytes.
 * Loaded once per JVM per encoding, on first use, by the class-initialisation lock of a holder class
 * (no lock afterwards); immutable except for the cache, which is safe to share (see {@link PieceCache}).
 * If the rank file cannot be read, that first use throws (ExceptionInInitializerError, then
 * NoClassDefFoundError on later uses): a caller with a fallback sees an error, never a wrong count.
 */
final class Encoding {
    static final String CL100K_BASE = "cl100k_base";
    static final String O200K_BASE = "o200k_base";
    /** Where the published rank files sit in the JTokkit jar. */
    static final String RANK_FILE_DIR = "com/knuddels/jtokkit/";
    /**
     * Entries of each level of each encoding's piece cache, and of its ids cache; a setting, read once
     * when the encoding loads; 0 turns the caches off (every piece is merged; for measuring the bare
     * algorithm).
     */
    static final String PIECE_CACHE_PROPERTY = "fastllm.tokens.pieceCacheEntries";
    static final int DEFAULT_PIECE_CACHE_ENTRIES = 1 << 15;

    private static volatile Encoding loadedCl100k;
    private static volatile Encoding loadedO200k;

    private static final class Cl100kHolder {
        static final Encoding INSTANCE = loadedCl100k = new Encoding(CL100K_BASE, false,
                new String[] {"<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"},
                new int[] {100257, 100258, 100259, 100260, 100276});
    }

    private static final class O200kHolder {
        static final Encoding INSTANCE = loadedO200k = new Encoding(O200K_BASE, true,
                new String[] {"<|endoftext|>", "<|endofprompt|>"}, new int[] {199999, 200018});
    }

    static Encoding cl100k() {
        return Cl100kHolder.INSTANCE;
    }

    static Encoding o200k() {
        return O200kHolder.INSTANCE;
    }

    /** The encoding of that name if it has been loaded in this JVM, else null; never loads. */
    static Encoding loaded(String name) {
        if (CL100K_BASE.equals(name)) {
            return loadedCl100k;
        }
        if (O200K_BASE.equals(name)) {
            return loadedO200k;
        }
        throw new IllegalArgumentException(unknown(name));
    }

    static String unknown(String name) {
        return "unknown encoding '" + name + "'; supported: " + CL100K_BASE + ", " + O200K_BASE;
    }

    final String name;
    final Vocabulary vocabulary;
    private final boolean caching;
    final ShortPieceTable shortPieces;
    final PieceCache pieces;
    /** Piece text to ids, for encoding; filled only by encoding calls. */
    final PieceCache idPieces;
    /** The rank of each ASCII byte alone. */
    private final int[] asciiRanks = new int[128];
    /**
     * How an unpaired surrogate becomes bytes. JTokkit's o200k_base takes the bytes of each regex match
     * with {@code String.getBytes(UTF_8)}, which writes '?' for it; its cl100k_base scanner writes the
     * surrogate's own three-byte form (ED A0 80 .. ED BF BF).
     */
    private final boolean surrogateAsQuestionMark;
    /** Scratch arrays and lookup memo for merging, one per thread (used on piece-cache misses only). */
    private final ThreadLocal<BytePairMerger> mergers;
    /** Built on the first piece longer than {@link BytePairMerger#FLAT_LIMIT} bytes. */
    private volatile MergeTree mergeTree;
    /** The special tokens' texts and ids, as JTokkit 1.1.0 defines them for this encoding. */
    final String[] specialTokens;
    private final int[] specialIds;

    Encoding(String name, boolean surrogateAsQuestionMark, String[] specialTokens, int[] specialIds) {
        this(name, surrogateAsQuestionMark, Vocabulary.load(RANK_FILE_DIR + name + ".tiktoken"),
                pieceCacheEntries(System.getProperty(PIECE_CACHE_PROPERTY)), specialTokens, specialIds);
    }

    /** Maximum accepted {@link #PIECE_CACHE_PROPERTY}: 2^22 entries per level, ~400 MB at most. */
    static final int MAX_PIECE_CACHE_ENTRIES = 1 << 22;

    /**
     * The piece cache size setting, or the default with one warning when it is not a whole number from 0
     * to {@link #MAX_PIECE_CACHE_ENTRIES}: a bad setting must never stop counting.
     */
    static int pieceCacheEntries(String value) {
        if (value == null) {
            return DEFAULT_PIECE_CACHE_ENTRIES;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 0 && n <= MAX_PIECE_CACHE_ENTRIES) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        System.err.println("[fast-llm] -D" + PIECE_CACHE_PROPERTY + "=" + value + " is not a whole number from 0 to "
                + MAX_PIECE_CACHE_ENTRIES + "; using " + DEFAULT_PIECE_CACHE_ENTRIES);
        return DEFAULT_PIECE_CACHE_ENTRIES;
    }

    Encoding(String name, boolean surrogateAsQuestionMark, Vocabulary vocabulary, int cacheEntries,
            String[] specialTokens, int[] specialIds) {
        this.name = name;
        this.specialTokens = specialTokens;
        this.specialIds = specialIds;
        this.surrogateAsQuestionMark = surrogateAsQuestionMark;
        this.vocabulary = vocabulary;
        this.mergers = ThreadLocal.withInitial(() -> new BytePairMerger(vocabulary, this::mergeTree));
        this.caching = cacheEntries > 0;
        this.shortPieces = new ShortPieceTable(Math.max(2, cacheEntries));
        this.pieces = new PieceCache(Math.max(2, cacheEntries), false);
        this.idPieces = new PieceCache(Math.max(2, cacheEntries), true);
        byte[] one = new byte[1];
        for (int c = 0; c < 128; c++) {
            one[0] = (byte) c;
            asciiRanks[c] = vocabulary.rank(one, 0, 1);
        }
    }

    /** Token count of the piece {@code t[s, e)}. */
    int countPiece(char[] t, int s, int e) {
        int length = e - s;
        if (length == 1 && t[s] < 0x80) {
            return 1;
        }
        if (!caching) {
            return countUncached(t, s, e);
        }
        long key = ShortPieceTable.key(t, s, e);
        if (key != 0) {
            int tokens = shortPieces.get(key);
            if (tokens < 0) {
                tokens = countUncached(t, s, e);
                shortPieces.put(key, tokens);
            }
            return tokens;
        }
        if (length <= PieceCache.MAX_PIECE_CHARS) {
            int hash = PieceCache.hash(t, s, e);
            int tokens = pieces.get(t, s, e, hash);
            if (tokens < 0) {
                tokens = countUncached(t, s, e);
                pieces.put(t, s, e, hash, tokens);
            }
            return tokens;
        }
        return countUncached(t, s, e);
    }

    int countUncached(char[] t, int s, int e) {
        BytePairMerger merger = mergers.get();
        byte[] b = merger.bytesFor(3 * (e - s));
        int n = utf8(t, s, e, b);
        int tokens;
        if (n == 1 || vocabulary.rank(b, 0, n) != Vocabulary.NONE) {
            tokens = 1;
        } else {
            tokens = merger.count(n);
        }
        merger.trim();
        return tokens;
    }

    /** The merge tree, built by the first thread that asks (others wait for it). */
    MergeTree mergeTree() {
        MergeTree tree = mergeTree;
        if (tree == null) {
            synchronized (this) {
                tree = mergeTree;
                if (tree == null) {
                    tree = mergeTree = new MergeTree(vocabulary);
                }
            }
        }
        return tree;
    }

    /** Appends the token ids of the piece {@code t[s, e)} to {@code out}. */
    void encodePiece(char[] t, int s, int e, TokenBuffer out) {
        int length = e - s;
        if (length == 1 && t[s] < 0x80) {
            out.add(asciiRanks[t[s]]);
            return;
        }
        if (length <= 8) {
            int whole = asciiToken(t, s, e);
            if (whole != Vocabulary.NONE) {
                out.add(whole); // as encodeUncached answers a piece that is one token, without the cache's hops
                return;
            }
        }
        if (!caching || length > PieceCache.MAX_PIECE_CHARS) {
            encodeUncached(t, s, e, out);
            return;
        }
        int hash = PieceCache.hash(t, s, e);
        int[] ids = idPieces.ids(t, s, e, hash);
        if (ids != null) {
            out.addAll(ids);
            return;
        }
        int before = out.size();
        encodeUncached(t, s, e, out);
        idPieces.putIds(t, s, e, hash, out.tail(before));
    }

    /**
     * The rank of the piece {@code t[s, e)} (2 to 8 chars) when it is all ASCII (its UTF-8 bytes are its chars)
     * and one token of the vocabulary, else {@link Vocabulary#NONE}. Most pieces of prose are (" the", "ing"):
     * the vocabulary's packed short-token table answers them in about one cache line, where the piece cache
     * would hash the piece and follow three references.
     */
    private int asciiToken(char[] t, int s, int e) {
        long key = 0;
        for (int i = s; i < e; i++) {
            char c = t[i];
            if (c >= 0x80) {
                return Vocabulary.NONE;
            }
            key = (key << 8) | c;
        }
        int length = e - s;
        return length == 2 ? vocabulary.pairRank((byte) (key >>> 8), (byte) key) : vocabulary.shortRank(key, length);
    }

    private void encodeUncached(char[] t, int s, int e, TokenBuffer out) {
        BytePairMerger merger = mergers.get();
        byte[] b = merger.bytesFor(3 * (e - s));
        int n = utf8(t, s, e, b);
        int whole = vocabulary.rank(b, 0, n);
        if (whole != Vocabulary.NONE) {
            out.add(whole);
        } else {
            merger.encode(n, out);
        }
        merger.trim();
    }

    /**
     * Writes the bytes of token {@code id} into {@code out} at {@code at}, growing it as needed; returns
     * the array written to. Ids of special tokens give their text's bytes.
     *
     * @throws NullPointerException for an id that is neither a token nor a special token, as JTokkit throws
     */
    byte[] appendBytes(int id, byte[] out, int at) {
        byte[] from;
        int start;
        int length;
        if (id >= 0 && id < vocabulary.size()) {
            from = vocabulary.tokenBytes();
            start = vocabulary.start(id);
            length = vocabulary.length(id);
        } else {
            from = specialBytes(id);
            start = 0;
            length = from.length;
        }
        if (at + length > out.length) {
            out = Arrays.copyOf(out, Math.max(at + length, 2 * out.length));
        }
        System.arraycopy(from, start, out, at, length);
        return out;
    }

    /** Bytes the token {@code id} decodes to; for sizing and for special tokens. */
    int tokenLength(int id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.length(id) : specialBytes(id).length;
    }

    private byte[] specialBytes(int id) {
        for (int i = 0; i < specialIds.length; i++) {
            if (specialIds[i] == id) {
                return specialTokens[i].getBytes(StandardCharsets.UTF_8);
            }
        }
        throw new NullPointerException("Unknown token for decoding: " + id);
    }

    /** Writes the bytes of {@code t[s, e)} into {@code b}; returns how many. */
    int utf8(char[] t, int s, int e, byte[] b) {
        int n = 0;
        for (int i = s; i < e; i++) {
            char c = t[i];
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | (c >> 6));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < e && Character.isLowSurrogate(t[i + 1])) {
                    int cp = Character.toCodePoint(c, t[++i]);
                    b[n++] = (byte) (0xF0 | (cp >> 18));
                    b[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    b[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (cp & 0x3F));
                } else if (surrogateAsQuestionMark) {
                    b[n++] = '?';
                } else {
                    b[n++] = (byte) (0xE0 | (c >> 12));
                    b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                }
            } else {
                b[n++] = (byte) (0xE0 | (c >> 12));
                b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    /** Heap bytes held now: vocabulary, both levels of the piece cache as they are now, merge tree if built. */
    long heapBytes() {
        MergeTree tree = mergeTree;
        return vocabulary.heapBytes() + shortPieces.heapBytes() + pieces.heapBytes() + idPieces.heapBytes()
                + (tree == null ? 0 : tree.heapBytes()) + Vocabulary.arrayBytes(asciiRanks.length, 4);
    }
}
