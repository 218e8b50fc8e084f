package dev.fastllm.bench.floors;

import dev.fastllm.bench.limits.LimiterBenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * What any implementation of a measured point pays on this machine, whatever its design: the parts of the
 * limiter, pool and router benchmarks that neither the original nor the twin can leave out. Run beside those
 * benchmarks, they say how far a ratio could go at all: if a case's floor is {@code F} ns and the original
 * takes {@code O} ns, no twin reaches more than {@code O / F} there.
 *
 * <ul>
 * <li>{@link #nanoTime1Thread}, {@link #nanoTime8Threads}: one {@code System.nanoTime()}. Both pools read it
 * on every release (a connection's idle age is measured from its release), so it is part of each pool
 * pair.</li>
 * <li>{@link #poolPairFloor1Thread}, {@link #poolPairFloor8Threads}: what a pool's acquire and release of an
 * idle connection pay at least: the clock read for the idle age, a compare-and-set that claims the entry and
 * a volatile store that gives it back (a store a waiting request must see before the releaser looks at the
 * queue, so it is fenced), all on a word of the calling thread's own, so no other core is involved.
 * HikariCP's bag does the same two state changes and reads no clock.</li>
 * <li>{@link #twoWallClockReads1Thread}: two {@code System.currentTimeMillis()}, the router benchmark's clock
 * per pick and end (the gateway reads it per call and passes it in).</li>
 * <li>{@link #routerPairFloor1Thread}: those two clock reads and the three atomic updates that a router
 * without a lock makes per pick and end whatever its layout, on words of the calling thread's own: the
 * claim (a compare-and-set that re-checks the deployment's capacity for the minute), the end's once-only
 * flag (a compare-and-set on the claim, so that two ends of one claim cannot both settle it) and the
 * settlement (the tokens used are known only at the end, so the minute's word changes a second time).
 * The original takes two uncontended monitors instead.</li>
 * <li>{@link #routerPairFiveUpdates1Thread}: as {@link #routerPairFloor1Thread}, with the in-flight count's
 * increment and decrement as well: the twin's layout, which keeps that count in a word of its own (the
 * minute's word has no room for it). Not a floor of every design: what the twin's own atomics cost.</li>
 * <li>{@link #oneWordTwoUpdates8Threads}: two compare-and-set updates of one shared word per call by 8 threads,
 * the least a limiter that answers every call exactly does on one hot key (one update admits, one
 * releases; a count that every answer reports cannot be split).</li>
 * <li>{@link #millionKeysHash8Threads}: a key drawn at random from the limiter benchmark's 1 000 000 keys
 * and its hash read, as in {@code LimiterBenchmark.millionKeys8Threads} before either limiter touches its
 * own memory, then one atomic update of a word of the calling thread. The key array's slot and the
 * string's header are cache misses for every design, and every exact limiter makes at least one atomic
 * update per call: on x86 a full fence, so one call's misses cannot overlap the next call's.</li>
 * <li>{@link #millionKeysOneSlot8Threads}: as {@link #millionKeysHash8Threads}, but the atomic update goes to
 * the word the hash selects in a table of 2^20 words (8 MB, 8 bytes a key): the least state a limiter
 * keeps per key, touched once per call. It leaves out everything else a real design does (checking that
 * the slot is the key's, a second word or line, the window's rules), so a real limiter costs more.</li>
 * <li>{@link #millionKeysOneSlotTwoUpdates8Threads}: as {@link #millionKeysOneSlot8Threads}, with the two atomic
 * updates of the selected word that a pair of calls makes (one admits, one releases: every exact limiter
 * changes a key's count twice per request, and each change is atomic because other threads may change the
 * same key at the same time).</li>
 * <li>{@link #millionKeysOneSlotTwoUpdatesCallerWork8Threads}: as {@link #millionKeysOneSlotTwoUpdates8Threads},
 * with the caller work of {@code LimiterBenchmark.millionKeysCallerWork8Threads} between calls. The loop of
 * the floor above is so short that the processor runs several calls' cache misses at once; with work between
 * calls (as in any real caller) each call waits for its own: the key array's slot, the string's header and
 * the word, one after another.</li>
 * <li>{@link #millionKeyCopiesCompareTwoUpdatesCallerWork8Threads}: as
 * {@link #millionKeysOneSlotTwoUpdatesCallerWork8Threads}, called with copies of the keys (equal strings,
 * other objects, as a gateway reads each request's key into a new string), and with the content comparison
 * every exact limiter then makes before it may touch a key's state: the stored key the hash selects (a
 * 4 MB table of references) and its bytes, against the copy.</li>
 * <li>{@link #tenThousandKeysHash1Thread}: the same over the 10 000 keys walked in order.</li>
 * </ul>
 *
 * The machine this was measured on has 2 cores: 8 threads measure oversubscription, as in the benchmarks
 * these floors belong to.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FloorBenchmark {

    /** One shared word, alone on its cache lines. */
    @State(Scope.Benchmark)
    public static class SharedWord {
        private static final VarHandle WORD;

        static {
            try {
                WORD = MethodHandles.lookup().findVarHandle(SharedWord.class, "word", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
        volatile long word;
        long q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

        long update(long delta) {
            long w;
            do {
                w = word;
            } while (!WORD.compareAndSet(this, w, w + delta));
            return w;
        }
    }

    @State(Scope.Benchmark)
    public static class MillionKeys {
        String[] keys;

        @Setup
        public void setup() {
            keys = LimiterBenchmark.Limiter.keys(1_000_000);
        }
    }

    /** One word per key of {@link MillionKeys}, selected by the key's hash. */
    @State(Scope.Benchmark)
    public static class MillionWords {
        private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
        private static final int BITS = 20;

        final long[] words = new long[1 << BITS];

        long update(int hash) {
            return (long) WORDS.getAndAdd(words, slot(hash), 1L);
        }

        long updateTwice(int hash) {
            int i = slot(hash);
            return (long) WORDS.getAndAdd(words, i, 1L) + (long) WORDS.getAndAdd(words, i, -1L);
        }

        static int slot(int hash) {
            return (hash * 0x9E3779B9) >>> (32 - BITS); // the top 20 bits
        }
    }

    /** Copies of the million keys, and the keys themselves stored in a table of 2^20 slots by their hash. */
    @State(Scope.Benchmark)
    public static class MillionKeyCopies {
        String[] copies;
        String[] stored;

        @Setup
        public void setup() {
            String[] keys = LimiterBenchmark.Limiter.keys(1_000_000);
            stored = new String[1 << MillionWords.BITS];
            for (String k : keys) {
                stored[MillionWords.slot(k.hashCode())] = k; // a later key may take an earlier one's slot
            }
            copies = LimiterBenchmark.copies(keys);
        }
    }

    @State(Scope.Benchmark)
    public static class TenThousandKeys {
        String[] keys;

        @Setup
        public void setup() {
            keys = LimiterBenchmark.Limiter.keys(10_000);
        }
    }

    /** A word of the calling thread's own, for the one atomic update per call. */
    @State(Scope.Thread)
    public static class OwnWord {
        private static final VarHandle OWN;

        static {
            try {
                OWN = MethodHandles.lookup().findVarHandle(OwnWord.class, "own", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long own;

        long update(int hash) {
            return (long) OWN.getAndAdd(this, (long) hash);
        }

        long claimAndGiveBack(long now) {
            boolean claimed = OWN.compareAndSet(this, 0L, 1L);
            own = 0L;
            return claimed ? now : -now;
        }
    }

    @Benchmark
    @Threads(1)
    public long nanoTime1Thread() {
        return System.nanoTime();
    }

    @Benchmark
    @Threads(8)
    public long nanoTime8Threads() {
        return System.nanoTime();
    }

    @Benchmark
    @Threads(1)
    public long poolPairFloor1Thread(OwnWord w) {
        return w.claimAndGiveBack(System.nanoTime());
    }

    @Benchmark
    @Threads(8)
    public long poolPairFloor8Threads(OwnWord w) {
        return w.claimAndGiveBack(System.nanoTime());
    }

    /** The words a router's pick and end update, of the calling thread's own. */
    @State(Scope.Thread)
    public static class RouterWords {
        private static final VarHandle USAGE;
        private static final VarHandle ENDED;
        private static final VarHandle IN_FLIGHT;
        private static final long RPM = Long.MAX_VALUE;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                USAGE = l.findVarHandle(RouterWords.class, "usage", long.class);
                ENDED = l.findVarHandle(RouterWords.class, "ended", long.class);
                IN_FLIGHT = l.findVarHandle(RouterWords.class, "inFlight", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long usage;
        volatile long ended;
        volatile long inFlight;

        /** The claim: one more request if it fits, by compare-and-set. */
        boolean claim() {
            long w;
            do {
                w = usage;
                if (w >= RPM) {
                    return false;
                }
            } while (!USAGE.compareAndSet(this, w, w + 1));
            return true;
        }

        /** The end's once-only flag: each pair's claim has its own, here a new value of one word. */
        boolean endOnce() {
            long e = ended;
            return ENDED.compareAndSet(this, e, e + 1);
        }

        long settle(long delta) {
            return (long) USAGE.getAndAdd(this, delta);
        }

        long inFlight(long delta) {
            return (long) IN_FLIGHT.getAndAdd(this, delta);
        }
    }

    @Benchmark
    @Threads(1)
    public long routerPairFloor1Thread(RouterWords w) {
        long picked = System.currentTimeMillis();
        boolean claimed = w.claim();
        long ended = System.currentTimeMillis();
        long settled = claimed && w.endOnce() ? w.settle(1L) : 0L;
        return picked + ended + settled;
    }

    @Benchmark
    @Threads(1)
    public long routerPairFiveUpdates1Thread(RouterWords w) {
        long picked = System.currentTimeMillis();
        boolean claimed = w.claim();
        if (claimed) {
            w.inFlight(1L);
        }
        long ended = System.currentTimeMillis();
        long settled = 0L;
        if (claimed && w.endOnce()) {
            w.inFlight(-1L);
            settled = w.settle(1L);
        }
        return picked + ended + settled;
    }

    @Benchmark
    @Threads(1)
    public long twoWallClockReads1Thread() {
        return System.currentTimeMillis() + System.currentTimeMillis();
    }

    @Benchmark
    @Threads(8)
    public long oneWordTwoUpdates8Threads(SharedWord s) {
        return s.update(1) + s.update(-1);
    }

    @Benchmark
    @Threads(8)
    public long millionKeysHash8Threads(MillionKeys s, LimiterBenchmark.Caller c, OwnWord w) {
        return w.update(s.keys[c.nextRandom(s.keys.length)].hashCode());
    }

    @Benchmark
    @Threads(8)
    public long millionKeysOneSlot8Threads(MillionKeys s, LimiterBenchmark.Caller c, MillionWords w) {
        return w.update(s.keys[c.nextRandom(s.keys.length)].hashCode());
    }

    @Benchmark
    @Threads(8)
    public long millionKeysOneSlotTwoUpdates8Threads(MillionKeys s, LimiterBenchmark.Caller c, MillionWords w) {
        return w.updateTwice(s.keys[c.nextRandom(s.keys.length)].hashCode());
    }

    @Benchmark
    @Threads(8)
    public long millionKeysOneSlotTwoUpdatesCallerWork8Threads(MillionKeys s, LimiterBenchmark.Caller c,
                                                               MillionWords w) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        return w.updateTwice(s.keys[c.nextRandom(s.keys.length)].hashCode());
    }

    @Benchmark
    @Threads(8)
    public long millionKeyCopiesCompareTwoUpdatesCallerWork8Threads(MillionKeyCopies s, LimiterBenchmark.Caller c,
                                                                   MillionWords w) {
        Blackhole.consumeCPU(LimiterBenchmark.CALLER_WORK);
        String copy = s.copies[c.nextRandom(s.copies.length)];
        int hash = copy.hashCode();
        boolean same = copy.equals(s.stored[MillionWords.slot(hash)]);
        return w.updateTwice(hash) + (same ? 1 : 0); // the word does not wait for the comparison here
    }

    @Benchmark
    @Threads(1)
    public long tenThousandKeysHash1Thread(TenThousandKeys s, LimiterBenchmark.Caller c, OwnWord w) {
        return w.update(s.keys[c.nextInOrder(s.keys.length)].hashCode());
    }
}
