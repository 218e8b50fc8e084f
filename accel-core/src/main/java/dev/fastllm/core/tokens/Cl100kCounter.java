package dev.fastllm.core.tokens;

/** cl100k_base: {@link Cl100kSplitter} pieces, each counted by {@link Encoding#countPiece}. */
final class Cl100kCounter implements TokenCounter {
    static final Cl100kCounter INSTANCE = new Cl100kCounter();

    private Cl100kCounter() {
    }

    // the same loop as O200kCounter, with a static call to this encoding's splitter so that it inlines
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
    public String encodingName() {
        return Encoding.CL100K_BASE;
    }

    @Override
    public String toString() {
        return "TokenCounter[" + Encoding.CL100K_BASE + "]";
    }
}
