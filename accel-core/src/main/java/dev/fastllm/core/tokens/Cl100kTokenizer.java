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
        for (int s = 0; s < n; ) {
            int e = Cl100kSplitter.pieceEnd(t, s, n);
            encoding.encodePiece(t, s, e, out);
            s = e;
            if (out.size() >= maxTokens) {
                break; // after the piece, as JTokkit's cl100k_base scanner checks: the first piece always runs
            }
        }
        return out;
    }

    /**
     * JTokkit's cl100k_base encodes the first piece before it looks at the limit, and adds a piece that is
     * a single token without looking at it: so a limit of 0 or less keeps the first piece's token when
     * that piece is one token, and nothing otherwise.
     */
    @Override
    int kept(int size, int maxTokens) {
        return maxTokens <= 0 ? (size == 1 ? 1 : 0) : Math.min(maxTokens, size);
    }

    @Override
    int pieceEnd(char[] t, int s, int n) {
        return Cl100kSplitter.pieceEnd(t, s, n);
    }

    @Override
    boolean settled(char[] t, int b, int n) {
        return Cl100kSplitter.settled(t, b, n);
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
