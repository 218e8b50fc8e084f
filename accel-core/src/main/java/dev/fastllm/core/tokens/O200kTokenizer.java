package dev.fastllm.core.tokens;

/** o200k_base: {@link O200kSplitter} pieces, each counted or encoded by {@link Encoding}. */
final class O200kTokenizer extends AbstractTokenizer {
    static final O200kTokenizer INSTANCE = new O200kTokenizer();

    private O200kTokenizer() {
    }

    // the same loops as Cl100kTokenizer, with a static call to this encoding's splitter so that it inlines
    @Override
    public int count(CharSequence text) {
        if (text == null) {
            return 0;
        }
        char[] t = Chars.of(text);
        int n = t.length;
        Encoding encoding = Encoding.o200k();
        int tokens = 0;
        for (int s = 0; s < n; ) {
            int e = O200kSplitter.pieceEnd(t, s, n);
            tokens += encoding.countPiece(t, s, e);
            s = e;
        }
        return tokens;
    }

    @Override
    TokenBuffer ids(char[] t, int maxTokens) {
        int n = t.length;
        Encoding encoding = Encoding.o200k();
        TokenBuffer out = new TokenBuffer(n / 4);
        for (int s = 0; s < n && out.size() < maxTokens; ) {
            int e = O200kSplitter.pieceEnd(t, s, n);
            encoding.encodePiece(t, s, e, out);
            s = e;
        }
        return out;
    }

    @Override
    int pieceEnd(char[] t, int s, int n) {
        return O200kSplitter.pieceEnd(t, s, n);
    }

    @Override
    boolean settled(char[] t, int b, int n) {
        return O200kSplitter.settled(t, b, n);
    }

    @Override
    Encoding encoding() {
        return Encoding.o200k();
    }

    @Override
    public String encodingName() {
        return Encoding.O200K_BASE;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + Encoding.O200K_BASE + "]";
    }
}
