package dev.fastllm.core.tokens;

/** o200k_base: {@link O200kSplitter} pieces, each counted by {@link Encoding#countPiece}. */
final class O200kCounter implements TokenCounter {
    static final O200kCounter INSTANCE = new O200kCounter();

    private O200kCounter() {
    }

    // the same loop as Cl100kCounter, with a static call to this encoding's splitter so that it inlines
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
    public String encodingName() {
        return Encoding.O200K_BASE;
    }

    @Override
    public String toString() {
        return "TokenCounter[" + Encoding.O200K_BASE + "]";
    }
}
