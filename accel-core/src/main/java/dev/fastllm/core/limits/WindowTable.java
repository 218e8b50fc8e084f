package dev.fastllm.core.limits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import static dev.fastllm.core.limits.WindowWord.ABSENT;
import static dev.fastllm.core.limits.WindowWord.FROZEN;
import static dev.fastllm.core.limits.WindowWord.MOVED;
import static dev.fastllm.core.limits.WindowWord.MOVED_UNSET;
import static dev.fastllm.core.limits.WindowWord.UNREPRESENTABLE;

/**
 * One generation of the limiter's open-addressing table: a key-reference array and a parallel {@code long}
 * array of {@link WindowWord}s, linear probing, Fibonacci hashing over a power-of-two capacity, plus an
 * append-only array of cells for the few {@link WideWindow}s.
 *
 * <p>A key slot, once claimed by compare-and-set, keeps its key for the table's life (an evicted key leaves
 * its slot claimed with a {@link WindowWord#DEAD} word), so a key is found at one slot only and two keys
 * never share state, whatever their hashes. Growth, clean-up of dead slots and a move of the time base are
 * one mechanism: copying into a {@link #next} table, chunk by chunk, by every thread that meets the
 * migration (there is no pause: a slot not yet copied keeps serving in this table). Copying a slot freezes
 * it first ({@link WindowWord#FROZEN}, or a frozen {@link WideWindow}), so an update racing the copy fails
 * its compare-and-set and follows the slot to the next table; an empty slot is sealed so no key lands
 * behind the copier.
 */
final class WindowTable {
    static final int MIN_CAPACITY = 16;
    /** Tables up to this many slots grow at half full instead of three quarters. */
    static final int ROOMY_CAPACITY = 1 << 15;
    /** {@link #find} result: the key has no slot here (and none elsewhere). */
    static final int NOT_FOUND = -1;
    /** {@link #find} / {@link #findOrClaim} result: the key is to be looked for in {@link #next}. */
    static final int GO_NEXT = -2;

    private static final Object SEALED = new Object();
    private static final int SLOT_CHUNK_BITS = 15;
    private static final int SLOT_CHUNK_MASK = (1 << SLOT_CHUNK_BITS) - 1;
    private static final int CHUNK = 1024;
    private static final int FIRST_CELL_CHUNK_BITS = 4;

    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle CELL_CHUNKS = MethodHandles.arrayElementVarHandle(WideWindow[][].class);
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(WideWindow[].class);
    private static final VarHandle NEXT;
    private static final VarHandle CLAIMED;
    private static final VarHandle NEXT_CELL;
    private static final VarHandle COPY_CURSOR;
    private static final VarHandle COPIED_CHUNKS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            NEXT = l.findVarHandle(WindowTable.class, "next", WindowTable.class);
            CLAIMED = l.findVarHandle(WindowTable.class, "claimed", int.class);
            NEXT_CELL = l.findVarHandle(WindowTable.class, "nextCell", int.class);
            COPY_CURSOR = l.findVarHandle(WindowTable.class, "copyCursor", int.class);
            COPIED_CHUNKS = l.findVarHandle(WindowTable.class, "copiedChunks", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Slots in chunks of at most 2^{@value #SLOT_CHUNK_BITS} (256 KB of words, 128 KB of key references):
     * never a humongous object for G1 at any heap size. G1 treats an object of half a region or more as
     * humongous and gives it whole regions of its own; its smallest region is 1 MB (heaps under 4 GB), so a
     * chunk must stay under 512 KB. One 16 MB array would waste up to 8 bytes a key at 1M keys, and 512 KB
     * chunks (the size before) took a 1 MB region each in such heaps: 16 bytes a key.
     */
    private final Object[][] keys;
    private final long[][] words;
    /**
     * The first chunks, reached without going through the chunk arrays: a table of up to 32 Ki slots (every
     * table that holds up to 24 576 keys) finds a slot in one load less.
     */
    private final Object[] firstKeys;
    private final long[] firstWords;
    final int mask;
    private final int shift;
    /** Compact starts are offsets from this instant. */
    final long base;
    /** False only for the first table, created before any clock reading: it holds no compact anchor. */
    final boolean based;
    /**
     * For a table with a moved base: windows copied in that started before the base and had expired at this
     * instant are normalised to no window. {@link #NEVER} for a table that keeps its predecessor's base.
     */
    private final long copiedAt;
    static final long NEVER = Long.MIN_VALUE;
    private final WideWindow[][] cellChunks = new WideWindow[32 - FIRST_CELL_CHUNK_BITS][];
    private final int chunks;

    volatile WindowTable next;
    private volatile int claimed;
    private volatile int nextCell;
    private volatile int copyCursor;
    private volatile int copiedChunks;

    WindowTable(int capacity, long base, boolean based, long copiedAt) {
        int cap = Math.max(MIN_CAPACITY, Integer.highestOneBit(capacity - 1) << 1);
        int chunkLength = Math.min(cap, 1 << SLOT_CHUNK_BITS);
        keys = new Object[cap / chunkLength][chunkLength];
        words = new long[cap / chunkLength][chunkLength];
        firstKeys = keys[0];
        firstWords = words[0];
        mask = cap - 1;
        shift = 32 - Integer.numberOfTrailingZeros(cap);
        this.base = base;
        this.based = based;
        this.copiedAt = copiedAt;
        chunks = (cap + CHUNK - 1) / CHUNK;
    }

    /** The smallest capacity that holds {@code live} keys at most half full. */
    static int capacityFor(long live) {
        long want = Math.max(MIN_CAPACITY, live * 2);
        if (want >= 1 << 30) {
            return 1 << 30;
        }
        return Math.max(MIN_CAPACITY, Integer.highestOneBit((int) want - 1) << 1);
    }

    int capacity() {
        return mask + 1;
    }

    int claimed() {
        return claimed;
    }

    /**
     * True once more than three quarters of the slots carry a key (live or dead), or more than half in a
     * table of up to {@value #ROOMY_CAPACITY} slots: there a lookup probes fewer neighbours for at most
     * 384 KB more.
     */
    boolean crowded() {
        int cap = capacity();
        return claimed > (cap <= ROOMY_CAPACITY ? cap >>> 1 : (cap >>> 2) * 3);
    }

    // ---------------------------------------------------------------- lookup

    /** The key's slot here, {@link #NOT_FOUND}, or {@link #GO_NEXT}. Never claims. */
    int find(String key, int hash) {
        int i = index(hash);
        for (int n = 0; n <= mask; n++, i = (i + 1) & mask) {
            Object k = key(i);
            if (k == null) {
                return NOT_FOUND;
            }
            if (k == SEALED) {
                return GO_NEXT;
            }
            if (matches(k, key, hash)) {
                return i;
            }
        }
        return next != null ? GO_NEXT : NOT_FOUND;
    }

    /**
     * The key's slot here, claiming a free one if the key has none; {@link #GO_NEXT} when the table is being
     * copied and the key has no slot here (the free slot it would take is sealed first), or when it is full.
     */
    int findOrClaim(String key, int hash) {
        int i = index(hash);
        int n = 0;
        while (n <= mask) {
            Object k = key(i);
            if (k == null) {
                boolean copying = next != null;
                if (casKey(i, copying ? SEALED : key)) {
                    if (copying) {
                        return GO_NEXT;
                    }
                    CLAIMED.getAndAdd(this, 1);
                    return i;
                }
                continue; // lost the slot: look at what took it
            }
            if (k == SEALED) {
                return GO_NEXT;
            }
            if (matches(k, key, hash)) {
                return i;
            }
            n++;
            i = (i + 1) & mask;
        }
        return GO_NEXT;
    }

    private int index(int hash) {
        return (hash * 0x9E3779B9) >>> shift;
    }

    private static boolean matches(Object k, String key, int hash) {
        return k == key || (k instanceof String && k.hashCode() == hash && key.equals(k));
    }

    // ---------------------------------------------------------------- words and cells

    private Object[] keyChunk(int i) {
        return i <= SLOT_CHUNK_MASK ? firstKeys : keys[i >>> SLOT_CHUNK_BITS];
    }

    private long[] wordChunk(int i) {
        return i <= SLOT_CHUNK_MASK ? firstWords : words[i >>> SLOT_CHUNK_BITS];
    }

    private Object key(int i) {
        return KEYS.getAcquire(keyChunk(i), i & SLOT_CHUNK_MASK);
    }

    /** Claims free slot {@code i} for {@code key} (or seals it). */
    private boolean casKey(int i, Object key) {
        return KEYS.compareAndSet(keyChunk(i), i & SLOT_CHUNK_MASK, null, key);
    }

    long word(int i) {
        return (long) WORDS.getVolatile(wordChunk(i), i & SLOT_CHUNK_MASK);
    }

    boolean casWord(int i, long expected, long update) {
        return WORDS.compareAndSet(wordChunk(i), i & SLOT_CHUNK_MASK, expected, update);
    }

    WideWindow cell(int index) {
        int j = index + (1 << FIRST_CELL_CHUNK_BITS);
        int c = 31 - Integer.numberOfLeadingZeros(j) - FIRST_CELL_CHUNK_BITS;
        WideWindow[] chunk = (WideWindow[]) CELL_CHUNKS.getAcquire(cellChunks, c);
        return (WideWindow) CELLS.getVolatile(chunk, j - (1 << (c + FIRST_CELL_CHUNK_BITS)));
    }

    boolean casCell(int index, WideWindow expected, WideWindow update) {
        int j = index + (1 << FIRST_CELL_CHUNK_BITS);
        int c = 31 - Integer.numberOfLeadingZeros(j) - FIRST_CELL_CHUNK_BITS;
        WideWindow[] chunk = (WideWindow[]) CELL_CHUNKS.getAcquire(cellChunks, c);
        return CELLS.compareAndSet(chunk, j - (1 << (c + FIRST_CELL_CHUNK_BITS)), expected, update);
    }

    /** A new cell holding {@code w}; cells are never reused within a table, so a cell index names one key. */
    int newCell(WideWindow w) {
        int index = (int) NEXT_CELL.getAndAdd(this, 1);
        int j = index + (1 << FIRST_CELL_CHUNK_BITS);
        int c = 31 - Integer.numberOfLeadingZeros(j) - FIRST_CELL_CHUNK_BITS;
        WideWindow[] chunk = (WideWindow[]) CELL_CHUNKS.getAcquire(cellChunks, c);
        if (chunk == null) {
            WideWindow[] fresh = new WideWindow[1 << (c + FIRST_CELL_CHUNK_BITS)];
            chunk = CELL_CHUNKS.compareAndSet(cellChunks, c, null, fresh)
                    ? fresh : (WideWindow[]) CELL_CHUNKS.getAcquire(cellChunks, c);
        }
        CELLS.setVolatile(chunk, j - (1 << (c + FIRST_CELL_CHUNK_BITS)), w);
        return index;
    }

    /** Drops the window of a cell whose publication lost its race (the cell stays unused). */
    void abandonCell(int index, WideWindow w) {
        casCell(index, w, null);
    }

    // ---------------------------------------------------------------- migration

    /** Installs {@code successor} as the table to copy into, unless a copy is already under way. */
    boolean startCopy(WindowTable successor) {
        return NEXT.compareAndSet(this, null, successor);
    }

    /**
     * Copies one unclaimed chunk of slots into {@link #next}, if any remains.
     *
     * @return true when this call completed the copy of the whole table
     */
    boolean copyChunk() {
        int c = (int) COPY_CURSOR.getAndAdd(this, 1);
        if (c >= chunks) {
            return false;
        }
        int end = Math.min(capacity(), (c + 1) * CHUNK);
        for (int i = c * CHUNK; i < end; i++) {
            copySlot(i);
        }
        return (int) COPIED_CHUNKS.getAndAdd(this, 1) + 1 == chunks;
    }

    boolean copied() {
        return copiedChunks == chunks;
    }

    /** Freezes slot {@code i}, copies its key and window into {@link #next} and marks it moved. Idempotent. */
    void copySlot(int i) {
        WindowTable target = next;
        while (true) {
            Object k = key(i);
            if (k == null) {
                if (casKey(i, SEALED)) {
                    return;
                }
                continue;
            }
            if (k == SEALED) {
                return;
            }
            long w = word(i);
            if (w == MOVED || w == MOVED_UNSET) {
                return;
            }
            if (w >= 0) {
                if (WindowWord.isWideRef(w) && !freezeCell(WindowWord.cell(w))) {
                    continue;
                }
                if (!casWord(i, w, w | FROZEN)) {
                    continue;
                }
                w |= FROZEN;
            }
            copyFrozen((String) k, w & ~FROZEN, target);
            casWord(i, w, w == (FROZEN | ABSENT) ? MOVED_UNSET : MOVED);
            return;
        }
    }

    private boolean freezeCell(int index) {
        WideWindow s = cell(index);
        if (s == null) {
            return casCell(index, null, WideWindow.FROZEN_ABSENT);
        }
        if (s.frozen) {
            return true;
        }
        long counts = s.counts();
        return s.close(counts) && casCell(index, s, s.frozenCopy(counts | (1L << 63)));
    }

    private void copyFrozen(String key, long w, WindowTable target) {
        if (WindowWord.isCompact(w)) {
            target.copyIn(key, WindowWord.anchored(w), WindowWord.start(w, base), WindowWord.requests(w),
                    WindowWord.tokens(w), WindowWord.inFlight(w));
        } else if (WindowWord.isWideRef(w)) {
            WideWindow s = cell(WindowWord.cell(w));
            if (!s.absent) {
                long counts = s.counts();
                target.copyIn(key, s.anchored, s.start, s.requests(counts), s.tokens(counts), s.inFlight(counts));
            }
        }
        // ABSENT or DEAD: the key has no state; it is not carried over
    }

    /**
     * Puts a copied window here, unless a copier got there first. Runs before any operation can see the key
     * here. If this table is itself being copied (or full) and the key's slot here was sealed or frozen
     * before the window landed, the window goes on down the chain of tables.
     */
    private void copyIn(String key, boolean anchored, long start, long requests, long tokens, int inFlight) {
        int hash = key.hashCode();
        WindowTable target = this;
        while (true) {
            int i = target.findOrClaim(key, hash);
            if (i == GO_NEXT) {
                target = target.nextOrGrown();
                continue;
            }
            if (target.putCopy(i, anchored, start, requests, tokens, inFlight)) {
                return;
            }
            long w = target.word(i);
            if (w != (FROZEN | ABSENT) && w != MOVED_UNSET) {
                return; // a copier put the window here first (it may since have changed, moved or gone)
            }
            target = target.next; // frozen before any copier reached it: the window belongs further on
        }
    }

    /** Writes a copied window into claimed slot {@code i}, if it has no state yet. */
    private boolean putCopy(int i, boolean anchored, long start, long requests, long tokens, int inFlight) {
        if (anchored && copiedAt != NEVER && start - base < 1 && copiedAt - start >= WindowRules.WINDOW_MILLIS) {
            // expired long before this table's base: no caller can see it live again; keep only its slots
            anchored = false;
            requests = 0;
            tokens = 0;
        }
        long w = WindowWord.encode(anchored, start, requests, tokens, inFlight, base, based);
        if (w != UNREPRESENTABLE) {
            return casWord(i, ABSENT, w);
        }
        WideWindow s = WideWindow.of(anchored, start, requests, tokens, inFlight);
        int cell = newCell(s);
        if (casWord(i, ABSENT, WindowWord.wideRef(cell))) {
            return true;
        }
        abandonCell(cell, s);
        return false;
    }

    /** The table after this one; if there is none, this one is full: start copying it into a larger one. */
    WindowTable nextOrGrown() {
        WindowTable n = next;
        if (n == null) {
            startCopy(new WindowTable(capacity() * 2, base, based, NEVER));
            n = next;
        }
        return n;
    }
}
