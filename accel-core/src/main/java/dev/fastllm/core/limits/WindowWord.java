package dev.fastllm.core.limits;

/**
 * The 64-bit word that holds one key's window in a {@link WindowTable} slot, and its special values.
 *
 * <pre>
 *  63      62     61 ........ 41   40 .... 33   32 ....... 20   19 ........ 0
 * FROZEN  WIDE   start - base      in flight     requests        tokens          compact window
 *                (21 bits)          (8 bits)     (13 bits)       (20 bits)
 * FROZEN  WIDE=1 ........................................ cell index (32 bits)    wide window, see WideWindow
 * </pre>
 *
 * <p>A compact word keeps a window whose numbers fit: start within about 35 minutes after the table's base,
 * up to 255 requests in flight, 8 191 requests and 1 048 575 tokens in the window. That covers the keys of a
 * gateway whose limits are in the usual ranges; a key outside them (a hot unlimited key, a huge token budget)
 * is kept as a {@link WideWindow} instead, exactly, and the word then only names its cell. The start field
 * value {@link #NO_WINDOW} stands for a key with no live window (never anchored, or an expired window
 * normalised when the table moved its base). {@link #FROZEN} marks a slot being copied to a new table.
 *
 * <p>One word per key is what lets every operation on a compact key be one compare-and-set, and what keeps
 * a tracked key at 12 bytes of slot (this word plus a compressed key reference).
 */
final class WindowWord {
    /** A slot claimed by a key that has no state (yet). Also the value of every fresh slot. */
    static final long ABSENT = 0L;
    static final long FROZEN = 1L << 63;
    static final long WIDE = 1L << 62;
    /** A key whose state was evicted; a copier never overwrites it (unlike {@link #ABSENT}). */
    static final long DEAD = WIDE | (1L << 61);
    /** The slot's key and state now live in the next table. */
    static final long MOVED = -1L;
    /**
     * The slot was copied while its key had never had state here ({@link #ABSENT}): a copier still holding
     * the key's window from an older table must carry it on to the next table.
     */
    static final long MOVED_UNSET = -2L;
    /** Returned by {@link #encode} when a window does not fit a compact word. */
    static final long UNREPRESENTABLE = -1L;

    static final int START_SHIFT = 41;
    static final long START_MASK = (1L << 21) - 1;
    static final long NO_WINDOW = START_MASK;
    /** The largest start offset from the base a compact word holds; offsets start at 1 so a word is never 0. */
    static final long MAX_START_OFFSET = START_MASK - 1;
    static final int IN_FLIGHT_SHIFT = 33;
    static final long IN_FLIGHT_MASK = 0xFF;
    static final long ONE_IN_FLIGHT = 1L << IN_FLIGHT_SHIFT;
    static final int REQUESTS_SHIFT = 20;
    static final long REQUESTS_MASK = 0x1FFF;
    static final long TOKENS_MASK = 0xFFFFF;
    private static final long CELL_MASK = 0xFFFF_FFFFL;

    private WindowWord() {
    }

    /** A compact window (not absent, not wide, not frozen). */
    static boolean isCompact(long w) {
        return w > 0 && w < WIDE;
    }

    /** A live reference to a wide cell (not frozen, not dead). */
    static boolean isWideRef(long w) {
        return (w & (FROZEN | WIDE | DEAD)) == WIDE;
    }

    static boolean isFrozenOrMoved(long w) {
        return w < 0;
    }

    static int cell(long w) {
        return (int) (w & CELL_MASK);
    }

    static long wideRef(int cell) {
        return WIDE | (cell & CELL_MASK);
    }

    static boolean anchored(long w) {
        return ((w >>> START_SHIFT) & START_MASK) != NO_WINDOW;
    }

    static long start(long w, long base) {
        return base + ((w >>> START_SHIFT) & START_MASK);
    }

    static int inFlight(long w) {
        return (int) ((w >>> IN_FLIGHT_SHIFT) & IN_FLIGHT_MASK);
    }

    static long requests(long w) {
        return (w >>> REQUESTS_SHIFT) & REQUESTS_MASK;
    }

    static long tokens(long w) {
        return w & TOKENS_MASK;
    }

    /**
     * The compact word for a window, or {@link #UNREPRESENTABLE} when a number does not fit (or the table
     * has no base yet).
     */
    static long encode(boolean anchored, long start, long requests, long tokens, int inFlight, long base,
                       boolean based) {
        if (inFlight < 0 || inFlight > IN_FLIGHT_MASK || requests < 0 || requests > REQUESTS_MASK
                || tokens < 0 || tokens > TOKENS_MASK) {
            return UNREPRESENTABLE;
        }
        long startField;
        if (!anchored) {
            startField = NO_WINDOW;
        } else {
            long offset = start - base;
            if (!based || offset < 1 || offset > MAX_START_OFFSET) {
                return UNREPRESENTABLE;
            }
            startField = offset;
        }
        return startField << START_SHIFT | (long) inFlight << IN_FLIGHT_SHIFT | requests << REQUESTS_SHIFT | tokens;
    }

    /**
     * The word after admitting one request reserving {@code reserve} tokens into the live compact window
     * {@code w}: what {@link WindowRules#acquire} followed by {@link #encode} give when the window does not
     * roll, every limit passes and the counts stay compact; 0 in every other case (not a compact word, no
     * window or an expired one, a refusal, a count leaving its field), which the full rules then handle.
     */
    static long admitted(long w, long base, long rpm, long tpm, int maxParallel, long reserve, long now) {
        if (!isCompact(w) || !WindowRules.current(anchored(w), start(w, base), now)) {
            return 0;
        }
        long requests = requests(w);
        long tokens = tokens(w);
        int inFlight = inFlight(w);
        if (requests >= rpm || reserve > tpm - tokens || inFlight >= maxParallel
                || requests == REQUESTS_MASK || reserve > TOKENS_MASK - tokens || inFlight == IN_FLIGHT_MASK) {
            return 0;
        }
        return w + (1L << REQUESTS_SHIFT) + ONE_IN_FLIGHT + reserve;
    }

    /** Whether a start could be encoded relative to {@code base} (counts aside). */
    static boolean startFits(long start, long base, boolean based) {
        long offset = start - base;
        return based && offset >= 1 && offset <= MAX_START_OFFSET;
    }
}
