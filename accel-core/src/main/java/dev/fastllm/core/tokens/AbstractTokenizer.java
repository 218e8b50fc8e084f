package dev.fastllm.core.tokens;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the two encodings' tokenizers share: JTokkit's rules for special tokens, token limits and
 * decoding, around each encoding's own loop over pieces ({@link #ids}).
 */
abstract class AbstractTokenizer implements Tokenizer {
    private static final int[] NONE = new int[0];

    /** The loaded encoding (loads it on first use). */
    abstract Encoding encoding();

    /**
     * The ids of {@code t}, piece by piece, stopping after the piece that reaches {@code maxTokens}
     * (the buffer may hold more; the caller cuts).
     */
    abstract TokenBuffer ids(char[] t, int maxTokens);

    /** End of the piece of {@code t[0, n)} that starts at {@code s < n}, by this encoding's splitter. */
    abstract int pieceEnd(char[] t, int s, int n);

    /** This encoding's splitter's {@code settled}: the pieces before boundary {@code b} hold for every extension. */
    abstract boolean settled(char[] t, int b, int n);

    /** How many of the {@code size} ids {@link #ids} gave are kept under a limit of {@code maxTokens}. */
    int kept(int size, int maxTokens) {
        return Math.max(0, Math.min(maxTokens, size));
    }

    @Override
    public final void load() {
        encoding();
    }

    @Override
    public final int[] encodeOrdinary(CharSequence text) {
        if (text == null) {
            return NONE;
        }
        TokenBuffer ids = ids(Chars.of(text), Integer.MAX_VALUE);
        return ids.toArray(ids.size());
    }

    @Override
    public final EncodedText encodeOrdinary(CharSequence text, int maxTokens) {
        if (text == null) {
            return new EncodedText(NONE, false, -1);
        }
        char[] t = Chars.of(text);
        TokenBuffer buffer = ids(t, maxTokens);
        if (maxTokens == Integer.MAX_VALUE) {
            return new EncodedText(buffer.toArray(buffer.size()), false, t.length - 1);
        }
        int[] ids = buffer.toArray(kept(buffer.size(), maxTokens));
        return cutToPrefix(t, ids);
    }

    /**
     * JTokkit's cut: the longest leading run of {@code ids} whose decoded text starts {@code t}, tried
     * from all ids down (usually the first or second try fits).
     */
    private EncodedText cutToPrefix(char[] t, int[] ids) {
        Encoding encoding = encoding();
        int[] ends = new int[ids.length + 1];
        byte[] bytes = new byte[Math.max(16, 4 * ids.length)];
        for (int i = 0; i < ids.length; i++) {
            bytes = encoding.appendBytes(ids[i], bytes, ends[i]);
            ends[i + 1] = ends[i] + encoding.tokenLength(ids[i]);
        }
        for (int kept = ids.length; ; kept--) {
            String decoded = new String(bytes, 0, ends[kept], StandardCharsets.UTF_8);
            if (startsWith(t, decoded)) {
                int[] tokens = kept == ids.length ? ids : Arrays.copyOf(ids, kept);
                return new EncodedText(tokens, t.length > decoded.length(), decoded.length() - 1);
            }
        }
    }

    private static boolean startsWith(char[] t, String prefix) {
        int n = prefix.length();
        if (n > t.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (t[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public final int[] encode(CharSequence text) {
        refuseSpecialTokens(text);
        return encodeOrdinary(text);
    }

    @Override
    public final EncodedText encode(CharSequence text, int maxTokens) {
        refuseSpecialTokens(text);
        return encodeOrdinary(text, maxTokens);
    }

    @Override
    public final int countTokens(CharSequence text) {
        refuseSpecialTokens(text);
        return count(text);
    }

    private void refuseSpecialTokens(CharSequence text) {
        if (containsSpecialToken(text)) {
            throw new UnsupportedOperationException("Encoding special tokens is not supported.");
        }
    }

    @Override
    public final boolean containsSpecialToken(CharSequence text) {
        if (text == null) {
            return false;
        }
        String s = text.toString();
        // every special token starts with "<|": one scan for '|' (a vectorised char search, four times as fast as
        // searching "<|" in a UTF-16 string, measured on 330 K chars) settles almost every text
        int bar = s.indexOf('|', 1);
        while (bar > 0 && s.charAt(bar - 1) != '<') {
            bar = s.indexOf('|', bar + 1);
        }
        if (bar < 0) {
            return false;
        }
        for (String special : encoding().specialTokens) {
            if (s.contains(special)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public final int ordinaryTokenCount() {
        return encoding().vocabulary.size();
    }

    @Override
    public final boolean isOrdinaryToken(int id, byte[] bytes) {
        Vocabulary v = encoding().vocabulary;
        if (id < 0 || id >= v.size() || bytes == null || v.length(id) != bytes.length) {
            return false;
        }
        int start = v.start(id);
        return Arrays.equals(v.tokenBytes(), start, start + bytes.length, bytes, 0, bytes.length);
    }

    @Override
    public final byte[] decodeBytes(int[] tokens) {
        Encoding encoding = encoding();
        byte[] out = new byte[Math.max(16, 4 * tokens.length)];
        int at = 0;
        for (int id : tokens) {
            out = encoding.appendBytes(id, out, at);
            at += encoding.tokenLength(id);
        }
        return Arrays.copyOf(out, at);
    }

    @Override
    public final String decode(int[] tokens) {
        return new String(decodeBytes(tokens), StandardCharsets.UTF_8);
    }
}
