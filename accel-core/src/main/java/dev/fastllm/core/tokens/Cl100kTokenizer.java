package dev.fastllm.core.tokens;

/** cl100k_base: {@link Cl100kSplitter} pieces, each counted or encoded by {@link Encoding}. */
final class Cl100kTokenizer extends AbstractTokenizer {
    static final Cl100kTokenizer INSTANCE = new Cl100kTokenizer();

    private Cl100kTokenizer() {
    }

    // the same loops as O200kTokenizer, with a static call to this encoding's splitter so that it inlines
    @Override
    public int count(CharSequence text) {
        if (text == null) {
            return 0;
        }
        char[] t = Chars.of(text);
        int n = t.length;
        Encoding encoding = Encoding.cl100k();
        int tokens = 0;
        for (int s = 0; s < n; ) {
            int e = Cl100kSplitter.pieceEnd(t, s, n);
            tokens += encoding.countPiece(t, s, e);
            s = e;
        }
        return tokens;
    }

    @Override
    TokenBuffer ids(char[] t, int maxTokens) {
        int n = t.length;
        Encoding encoding = Encoding.cl100k();
        TokenBuffer out = new TokenBuffer(n / 4);
        for (int s = 0; s < n && out.size() < maxTokens; ) {
            int e = Cl100kSplitter.pieceEnd(t, s, n);
            encoding.encodePiece(t, s, e, out);
            s = e;
        }
        return out;
    }

    @Override
    Encoding encoding() {
        return Encoding.cl100k();
    }

    @Override
    public String encodingName() {
        return Encoding.CL100K_BASE;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + Encoding.CL100K_BASE + "]";
    }
}
