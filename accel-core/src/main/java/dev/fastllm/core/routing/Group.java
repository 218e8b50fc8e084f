package dev.fastllm.core.routing;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Everything a {@link FastRouter} knows about one model group, in primitive words read and written with
 * atomic operations and no lock: this minute's usage ({@link MinuteUsage}), and per deployment its requests
 * in flight, its last latencies (a padded block written by the ends of that deployment only), its cooldown
 * end (one compact array, read by every pick, written on cooldown only) and its failure window (an immutable
 * pair swapped by compare-and-set, on failures only).
 *
 * <p>In-flight counts. Least-busy reads them on every pick and keeps one count per deployment in the
 * minute's usage, right after the usage words, so that a pick's reads, its claim and its count, and an end's
 * count and settlement, all meet on one line; whoever starts a minute moves the counts into it
 * ({@link #startMinute}). The other strategies only write them, and keep {@link #STRIPES} per deployment, on
 * lines of their own, a thread counting its claims and ends in the stripe of its id, so that threads on
 * different cores rarely write the same line. The first thread of a stripe owns it and counts with plain
 * stores; any other thread of that stripe adds atomically to a second word beside it. A read sums the
 * stripes.
 *
 * <p>A pick counts the deployments whose tight bit is clear and whose slack covers its tokens as candidates
 * without reading their words ({@link RoomyRegions}): with several cores picking, those reads were most of
 * a pick's time, each one a cache line another core had just written. Whoever leaves a region sets the bit
 * (freezing a word into its wide cell leaves it too: {@link MinuteUsage}); a claim refused by a word out of
 * its region sets it too.
 */
final class Group {
    static final int CELL_STRIDE = 16;
    private static final int LATENCY_SEQ = 0;
    private static final int LATENCY_SUM = 1;
    private static final int LATENCY_RING = 2;
    /**
     * Stripes of a deployment's in-flight count where no pick reads it (every strategy but least-busy): each
     * thread counts its claims and ends in the stripe of its id, on a line of its own.
     */
    static final int STRIPES = 8;
    /** A stripe's words: the id of the thread that owns it (0: none yet), its count, the others' count. */
    private static final int OWNER = 0;
    private static final int OWN = 1;
    private static final int SHARED = 2;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle FAILS = MethodHandles.arrayElementVarHandle(FailWindow[].class);
    private static final VarHandle USAGE;

    static {
        try {
            USAGE = MethodHandles.lookup().findVarHandle(Group.class, "usage", MinuteUsage.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Failures counted in the window opened by the first of them. */
    record FailWindow(long start, int count) {
    }

    private static final FailWindow NO_FAILURES = new FailWindow(0, 0);

    final String[] ids;
    final int size;
    final long[] rpm;
    final long[] tpm;
    final long[] weights;
    private final RoomyRegions regions;
    /** Seeded draws for reproducible runs in one thread; null: each thread's own random. */
    final SplittableRandom seeded;
    private final FastRouter router;
    private final long[] cells;
    /**
     * In-flight counts: {@link #STRIPES} per deployment, one per {@link #CELL_STRIDE} longs; null under
     * least-busy, whose counts are in the minute's usage.
     */
    private final long[] flights;
    /** Least-busy: the in-flight counts are in the minute's usage. */
    private final boolean flightsInUsage;
    private final long[] coolUntil;
    private final FailWindow[] fails;
    private volatile MinuteUsage usage;
    /**
     * Usage words side by side ({@link MinuteUsage}) where picks read every candidate's word or count
     * (usage-based, least-busy), with the in-flight counts under least-busy; else padded.
     */
    private final MinuteUsage.Layout layout;
    /** Side-by-side words in an aligned direct buffer (else on the heap). */
    private final boolean offHeap;

    Group(FastRouter router, String[] ids, long[] rpm, long[] tpm, long[] weights, SplittableRandom seeded,
          boolean offHeap) {
        this.router = router;
        this.ids = ids;
        this.size = ids.length;
        this.rpm = rpm;
        this.tpm = tpm;
        this.weights = weights;
        this.seeded = seeded;
        this.regions = new RoomyRegions(rpm, tpm);
        this.flightsInUsage = router.strategy == Choice.LEAST_BUSY;
        this.layout = flightsInUsage ? MinuteUsage.Layout.SIDE_BY_SIDE_WITH_FLIGHTS
                : router.strategy == Choice.USAGE ? MinuteUsage.Layout.SIDE_BY_SIDE : MinuteUsage.Layout.PADDED;
        this.offHeap = offHeap;
        this.cells = new long[(size + 2) * CELL_STRIDE];
        this.flights = flightsInUsage ? null : new long[(size * STRIPES + 2) * CELL_STRIDE];
        this.coolUntil = new long[size];
        Arrays.fill(coolUntil, Long.MIN_VALUE);
        this.fails = new FailWindow[size];
        Arrays.fill(fails, NO_FAILURES);
        this.usage = new MinuteUsage(Long.MIN_VALUE, size, regions.alwaysTight, layout, offHeap);
    }

    Claim pick(long tokens, long now) {
        long minute = Math.floorDiv(now, FastRouter.MINUTE_MILLIS);
        for (;;) {
            MinuteUsage u = usage;
            MinuteUsage seen = minute > u.minute ? null : u; // null: this pick starts a new minute
            long sure = regions.sureFits(seen == null ? regions.alwaysTight : seen.tight(), tokens);
            long candidates = 0;
            for (int i = 0; i < size; i++) {
                if (now >= coolUntil(i)
                        && ((sure >>> i & 1) != 0 || MinuteUsage.fits(seen, i, tokens, rpm[i], tpm[i]))) {
                    candidates |= 1L << i;
                }
            }
            if (candidates == 0) {
                if (seen == null && !startMinute(u, emptyMinute(minute))) {
                    continue;
                }
                return null;
            }
            int chosen = Choice.choose(router.strategy, this, u, seen, candidates);
            if (chosen < 0) {
                continue; // least-busy read counts that had moved to a new minute: choose in that one
            }
            if (seen == null) {
                if (startMinute(u, MinuteUsage.startedWith(minute, size, chosen, 1, tokens, regions, layout,
                        offHeap))) {
                    return claimed(chosen, now, tokens);
                }
                continue; // another call started the minute: choose again in it
            }
            // The claim sets the chosen deployment's tight bit if the word it leaves, or the word that refuses
            // it, lies outside its roomy region. A refusal means the word changed since this pick read it, or
            // the pick counted the deployment without reading (clear bit, tokens within the slack); a word in
            // its region takes any such claim, so that refusing word is out of the region (or frozen) and its
            // bit is set now: the next round reads it, even if the call that took the capacity has not set
            // the bit yet. Every round that chooses again follows another call's change or sets a bit.
            if (u.claim(chosen, tokens, rpm[chosen], tpm[chosen], regions)) {
                return claimed(chosen, now, tokens);
            }
            // another call took the chosen deployment's last capacity: choose again
        }
    }

    private MinuteUsage emptyMinute(long minute) {
        return new MinuteUsage(minute, size, regions.alwaysTight, layout, offHeap);
    }

    /**
     * Installs {@code next} in place of {@code u}; under least-busy then moves the in-flight counts from
     * {@code u} to the newest minute, so that none is lost to a claim or end still working on {@code u}
     * (which finds them moved and counts in the newest minute). A pick may read a count in {@code next}
     * before the move: it lags the claims that made it by that moment.
     *
     * @return false when another call installed a minute first
     */
    private boolean startMinute(MinuteUsage u, MinuteUsage next) {
        if (!USAGE.compareAndSet(this, u, next)) {
            return false;
        }
        if (flightsInUsage) {
            for (int i = 0; i < size; i++) {
                long moving = u.takeFlights(i);
                if (moving != 0) {
                    addFlights(next, i, moving);
                }
            }
        }
        return true;
    }

    /** Adds to deployment {@code i}'s count in {@code u}, or in the newest minute if it moved on from there. */
    private void addFlights(MinuteUsage u, int i, long delta) {
        while (!u.addFlights(i, delta)) {
            u = usage; // installed before the counts of the one before were marked moved
        }
    }

    private Claim claimed(int i, long now, long tokens) {
        countInFlight(i, 1L);
        return new Claim(this, i, now, tokens);
    }

    /** Ends a claim once ({@link #endClaimed}); false for a second end. */
    boolean end(Claim claim, int status, long totalTokens, long now) {
        if (!claim.end()) {
            return false;
        }
        endClaimed(claim.index, claim.startedAtMillis(), claim.reservedTokens(), status, totalTokens, now);
        return true;
    }

    /**
     * Settles deployment {@code i}'s claim made at {@code startedAt} with {@code reserved} tokens, once ended.
     * Effects become visible in this order: in flight, cooldown, tokens, latency; so a pick that sees the
     * cooldown never needs the token settlement of the same deployment.
     */
    void endClaimed(int i, long startedAt, long reserved, int status, long totalTokens, long now) {
        decrementInFlight(i);
        boolean success = status >= 200 && status <= 299;
        if (!success && FastRouter.countsAsFailure(status)) {
            recordFailure(i, now);
        }
        settle(i, startedAt, reserved, success ? totalTokens : 0, now);
        if (success && router.strategy == Choice.LATENCY) { // only that strategy reads latencies
            recordLatency(i, Math.max(0, now - startedAt));
        }
    }

    private void settle(int i, long startedAt, long reserved, long used, long now) {
        long minute = Math.floorDiv(now, FastRouter.MINUTE_MILLIS);
        long startMinute = Math.floorDiv(startedAt, FastRouter.MINUTE_MILLIS);
        for (;;) {
            MinuteUsage u = usage;
            if (minute > u.minute) {
                // a new minute holds no reservation to drop: only what was used
                MinuteUsage started = MinuteUsage.startedWith(minute, size, i, 0, used, regions, layout, offHeap);
                if (startMinute(u, started)) {
                    return;
                }
                continue;
            }
            long drop = startMinute == u.minute ? reserved : 0;
            if (drop != 0 || used != 0) {
                u.settle(i, drop, used, regions);
            }
            return;
        }
    }

    long retryAfter(long tokens, long now) {
        long minute = Math.floorDiv(now, FastRouter.MINUTE_MILLIS);
        long nextMinute = (minute + 1) * FastRouter.MINUTE_MILLIS;
        for (;;) {
            MinuteUsage u = usage;
            MinuteUsage seen = minute > u.minute ? null : u;
            long earliest = Long.MAX_VALUE;
            for (int i = 0; i < size; i++) {
                if (tokens > tpm[i] || rpm[i] == 0) {
                    continue; // never fits
                }
                long at = MinuteUsage.fits(seen, i, tokens, rpm[i], tpm[i]) ? now : nextMinute;
                at = Math.max(at, coolUntil(i));
                earliest = Math.min(earliest, at);
            }
            if (seen == null && !startMinute(u, emptyMinute(minute))) {
                continue; // the original starts the minute here too
            }
            if (earliest == Long.MAX_VALUE) {
                earliest = nextMinute;
            }
            return Math.max(0, earliest - now);
        }
    }

    /** This group's latest minute (for tests). */
    MinuteUsage usage() {
        return usage;
    }

    int indexOf(String id) {
        for (int i = 0; i < size; i++) {
            if (ids[i].equals(id)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Requests in flight on deployment {@code i}: its count under least-busy, else the sum of its stripes,
     * read one by one, so exact whenever no claim or end is in progress; never below zero (an end's stripe
     * may be read before its claim's, and a new minute's count before the counts moved in).
     */
    long inFlight(int i) {
        if (flightsInUsage) {
            for (;;) {
                long count = usage.flights(i);
                if (!MinuteUsage.moved(count)) {
                    return Math.max(0, count);
                }
            }
        }
        long sum = 0;
        for (int s = 0; s < STRIPES; s++) {
            int at = stripe(i, s);
            sum += (long) LONGS.getVolatile(flights, at + OWN) + (long) LONGS.getVolatile(flights, at + SHARED);
        }
        return Math.max(0, sum);
    }

    long coolUntil(int i) {
        return (long) LONGS.getAcquire(coolUntil, i);
    }

    /** Average of the last {@link FastRouter#LATENCY_SAMPLES} latencies; 0 when none. */
    double averageLatency(int i) {
        long n = Math.min((long) LONGS.getVolatile(cells, cell(i, LATENCY_SEQ)), FastRouter.LATENCY_SAMPLES);
        if (n == 0) {
            return 0;
        }
        return (double) (long) LONGS.getVolatile(cells, cell(i, LATENCY_SUM)) / n;
    }

    /** Every claim added one before it could be ended, so the sum of the stripes cannot go below zero. */
    private void decrementInFlight(int i) {
        countInFlight(i, -1L);
    }

    /**
     * Adds {@code delta} to deployment {@code i}'s in-flight count in the calling thread's stripe (a thread's
     * ends may go to another stripe than their claims). The first thread to use a stripe owns it for good and
     * counts there with plain stores, no atomic operation, as no other thread writes that word; any other
     * thread of the stripe adds atomically to the stripe's shared word. Thread ids are never reused, so a
     * stripe whose owner ended stays shared.
     */
    private void countInFlight(int i, long delta) {
        if (flightsInUsage) { // least-busy: one count in the minute's usage, read by every pick
            addFlights(usage, i, delta);
            return;
        }
        long tid = Thread.currentThread().getId();
        int at = stripe(i, (int) tid & (STRIPES - 1));
        long owner = (long) LONGS.getAcquire(flights, at + OWNER);
        if (owner == tid || (owner == 0 && LONGS.compareAndSet(flights, at + OWNER, 0L, tid))) {
            LONGS.setRelease(flights, at + OWN, (long) LONGS.get(flights, at + OWN) + delta);
        } else {
            LONGS.getAndAdd(flights, at + SHARED, delta);
        }
    }

    /** Index of stripe {@code s} of deployment {@code i}'s in-flight count in {@link #flights}. */
    private int stripe(int i, int s) {
        return (1 + i * STRIPES + s) * CELL_STRIDE;
    }

    /**
     * The ring takes samples in order; the sum is kept beside it (each write adds its sample and takes out
     * the one it replaced), so an average is two reads. Exact whenever no end is in progress.
     */
    private void recordLatency(int i, long latency) {
        long seq = (long) LONGS.getAndAdd(cells, cell(i, LATENCY_SEQ), 1L);
        int slot = cell(i, LATENCY_RING) + (int) (seq % FastRouter.LATENCY_SAMPLES);
        long replaced = (long) LONGS.getAndSet(cells, slot, latency);
        LONGS.getAndAdd(cells, cell(i, LATENCY_SUM), latency - replaced);
    }

    private void recordFailure(int i, long now) {
        for (;;) {
            FailWindow f = (FailWindow) FAILS.getVolatile(fails, i);
            long start = f.start();
            int count = f.count();
            if (count == 0 || now - start >= FastRouter.MINUTE_MILLIS) {
                start = now;
                count = 0;
            }
            count++;
            boolean cool = count > router.allowedFails;
            if (FAILS.compareAndSet(fails, i, f, new FailWindow(start, cool ? 0 : count))) {
                if (cool) {
                    coolAtLeastUntil(i, now + router.cooldownMillis);
                }
                return;
            }
        }
    }

    void coolAtLeastUntil(int i, long until) {
        for (;;) {
            long current = coolUntil(i);
            if (current >= until || LONGS.compareAndSet(coolUntil, i, current, until)) {
                return;
            }
        }
    }

    /** Deployment {@code i}'s state ({@link FastRouter#state}): exact when no pick or end of the group runs. */
    DeploymentState state(int i) {
        MinuteUsage u = usage;
        FailWindow f = (FailWindow) FAILS.getVolatile(fails, i);
        long seq = (long) LONGS.getVolatile(cells, cell(i, LATENCY_SEQ));
        int n = (int) Math.min(seq, FastRouter.LATENCY_SAMPLES);
        long[] latencies = new long[n];
        for (int k = 0; k < n; k++) {
            long s = seq - n + k;
            int slot = cell(i, LATENCY_RING) + (int) (s % FastRouter.LATENCY_SAMPLES);
            latencies[k] = (long) LONGS.getVolatile(cells, slot);
        }
        return new DeploymentState(u.minute, u.requests(i), MinuteUsage.tokens(u, i), f.start(), f.count(),
                coolUntil(i), latencies);
    }

    /**
     * Clears the usage of the group's minute, its failure windows and its latencies; keeps the minute, the
     * cooldowns and the requests in flight ({@link FastRouter#forget}). Only when no pick or end of the group
     * runs.
     */
    void forget() {
        for (;;) {
            MinuteUsage u = usage;
            if (startMinute(u, emptyMinute(u.minute))) {
                break; // under least-busy the counts in flight moved to the empty minute
            }
        }
        for (int i = 0; i < size; i++) {
            FAILS.setVolatile(fails, i, NO_FAILURES);
            for (int field = LATENCY_SEQ; field < LATENCY_RING + FastRouter.LATENCY_SAMPLES; field++) {
                LONGS.setVolatile(cells, cell(i, field), 0L);
            }
        }
    }

    /**
     * Adds {@code s}, another router's state of deployment {@code i}, to this group's own
     * ({@link FastRouter#takeOver}): usage into the minute if it is this group's or a later one (a later
     * minute is started even with nothing used: the other router had started it), failures
     * joined ({@link DeploymentState#joinFailures}), the later cooldown end, latencies recorded after this
     * group's own. Every step is an atomic update of its own, so it may run beside the group's calls.
     */
    void takeOver(int i, DeploymentState s) {
        addUsage(i, s.minute(), Math.max(0, s.requests()), Math.max(0, s.tokens()));
        if (s.failCount() > 0) {
            for (;;) {
                FailWindow f = (FailWindow) FAILS.getVolatile(fails, i);
                long[] joined = DeploymentState.joinFailures(s.failStart(), s.failCount(), f.start(), f.count(),
                        router.allowedFails);
                if (FAILS.compareAndSet(fails, i, f, new FailWindow(joined[0], (int) joined[1]))) {
                    break;
                }
            }
        }
        coolAtLeastUntil(i, s.coolUntil());
        if (router.strategy == Choice.LATENCY) { // only that strategy records latencies
            for (long latency : s.latencies()) {
                recordLatency(i, Math.max(0, latency));
            }
        }
    }

    private void addUsage(int i, long minute, long requests, long tokens) {
        for (;;) {
            MinuteUsage u = usage;
            if (minute < u.minute) {
                return; // a minute this group has left: nothing of it counts any more
            }
            if (minute == u.minute) {
                if (requests != 0 || tokens != 0) {
                    u.add(i, requests, tokens, regions);
                }
                return;
            }
            if (startMinute(u, MinuteUsage.startedWith(minute, size, i, Math.min(requests, MinuteUsage.REQUESTS_MAX),
                    tokens, regions, layout, offHeap))) {
                return;
            }
        }
    }

    private static int cell(int i, int field) {
        return (i + 1) * CELL_STRIDE + field;
    }
}
