package dev.fastllm.core.limits;

import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.limits.RateLimitDecision;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random call sequences for the limiter, replayed on the original {@link KeyRateLimiter} and on the twin,
 * answer by answer. Values are drawn around every edge the twin has: window ends (an earlier anchor
 * + 59 999 / + 60 000), the compact word's ranges (8 191 requests, 255 in flight, 1 048 575 tokens),
 * saturation at {@link Long#MAX_VALUE}, clock jumps of minutes, hours and months, lagging clock readings.
 */
final class LimiterOps {
    static final long T0 = 1_000_000L;

    enum Kind { ACQUIRE, RECONCILE, RELEASE, PEEK, EVICT, BURST, RELEASE_BURST }

    /** One call; {@code now} is absolute so that dropping calls while shrinking keeps the others' times. */
    record Op(Kind kind, String key, long rpm, long tpm, int parallel, long tokens, long actual, long acquiredAt,
              long now) {
        @Override
        public String toString() {
            return switch (kind) {
                case ACQUIRE -> "tryAcquire(" + key + ", " + rpm + "/" + tpm + "/" + parallel + ", " + tokens + ", " + now + ")";
                case RECONCILE -> "reconcile(" + key + ", " + tokens + ", " + actual + ", " + acquiredAt + ", " + now + ")";
                case RELEASE -> "release(" + key + ")";
                case PEEK -> "peek(" + key + ", " + rpm + "/" + tpm + "/" + parallel + ", " + now + ")";
                case EVICT -> "evictIdle(" + now + ")";
                case BURST -> actual + (actual > 1_000 ? " x tryAcquire+release(" : " x tryAcquire(") + key + ", " + rpm + "/" + tpm + "/" + parallel + ", " + tokens + ", " + now + ")";
                case RELEASE_BURST -> actual + " x release(" + key + ")";
            };
        }
    }

    private static final long[] RPM = {0, 1, 2, 3, 5, 50, 8_191, 8_192, 10_000, Long.MAX_VALUE, Long.MAX_VALUE};
    private static final long[] TPM = {0, 10, 100, 1_000, 1_048_575, 1_048_576, 5_000_000, Long.MAX_VALUE,
            Long.MAX_VALUE};
    private static final int[] PARALLEL = {0, 1, 2, 3, 255, 256, 1_000, Integer.MAX_VALUE, Integer.MAX_VALUE};
    private static final long[] RESERVE = {-5, 0, 1, 7, 100, 400, 1_048_575, 1_048_576, 600_000,
            Long.MAX_VALUE / 2, Long.MAX_VALUE};

    private LimiterOps() {
    }

    /** A sequence of {@code length} calls over {@code keys} keys. */
    static List<Op> generate(long seed, int length, int keys) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Op> ops = new ArrayList<>(length);
        List<long[]> admissions = new ArrayList<>(); // {now, reserve}
        long now = T0 + r.nextLong(1_000_000);
        // a few limit profiles per sequence, so that keys meet their limits
        long[][] profiles = new long[3][];
        for (int p = 0; p < profiles.length; p++) {
            profiles[p] = new long[] {RPM[r.nextInt(RPM.length)], TPM[r.nextInt(TPM.length)],
                    PARALLEL[r.nextInt(PARALLEL.length)]};
        }
        for (int n = 0; n < length; n++) {
            now = step(r, now, admissions);
            String key = "key-" + r.nextInt(keys);
            long[] limits = profiles[r.nextInt(profiles.length)];
            int roll = r.nextInt(100);
            if (roll < 50) {
                long reserve = r.nextInt(4) == 0 ? RESERVE[r.nextInt(RESERVE.length)] : r.nextLong(50);
                ops.add(new Op(Kind.ACQUIRE, key, limits[0], limits[1], (int) limits[2], reserve, 0, 0, now));
                admissions.add(new long[] {now, reserve});
            } else if (roll < 62) {
                long[] a = admissions.isEmpty() ? new long[] {now, 10} : admissions.get(r.nextInt(admissions.size()));
                long actual = r.nextInt(3) == 0 ? RESERVE[r.nextInt(RESERVE.length)] : r.nextLong(2 * Math.max(1, Math.min(a[1], 1 << 20)));
                long acquiredAt = r.nextInt(5) == 0 ? now - r.nextLong(120_000) : a[0];
                ops.add(new Op(Kind.RECONCILE, key, 0, 0, 0, a[1], actual, acquiredAt, now));
            } else if (roll < 82) {
                ops.add(new Op(Kind.RELEASE, key, 0, 0, 0, 0, 0, 0, now));
            } else if (roll < 92) {
                ops.add(new Op(Kind.PEEK, key, limits[0], limits[1], (int) limits[2], 0, 0, 0, now));
            } else if (roll < 94) {
                // past the compact word's 8 191 requests and 255 in flight
                int count = r.nextBoolean() ? 250 + r.nextInt(10) : 8_185 + r.nextInt(10);
                ops.add(new Op(r.nextBoolean() ? Kind.BURST : Kind.RELEASE_BURST, key, limits[0], limits[1],
                        (int) limits[2], r.nextLong(3), count, 0, now));
                admissions.add(new long[] {now, 0});
            } else {
                ops.add(new Op(Kind.EVICT, null, 0, 0, 0, 0, 0, 0, now));
            }
        }
        return ops;
    }

    /** The next clock reading: mostly small steps, often an earlier anchor's window edge, sometimes far ahead. */
    private static long step(SplittableRandom r, long now, List<long[]> admissions) {
        int roll = r.nextInt(100);
        if (roll < 30) {
            return now;
        } else if (roll < 55) {
            return now + r.nextLong(5_000);
        } else if (roll < 75 && !admissions.isEmpty()) {
            long anchor = admissions.get(admissions.size() - 1 - r.nextInt(Math.min(8, admissions.size())))[0];
            long edge = anchor + (r.nextBoolean() ? 59_999 : 60_000);
            return edge >= now - 30_000 ? edge : now;
        } else if (roll < 82) {
            return now - r.nextLong(30_000); // a reading that lags a little behind the latest one
        } else if (roll < 92) {
            return now + 30_000 + r.nextLong(60_000);
        } else if (roll < 97) {
            return now + 20 * 60_000L + r.nextLong(3 * 3_600_000L); // past the table's time base range
        }
        return now + 40L * 24 * 3_600_000L + r.nextLong(1_000_000); // months of clock over a few of these
    }

    /** Runs {@code ops} on both; returns null when every answer agrees, else a description of the first miss. */
    static String firstMismatch(List<Op> ops) {
        KeyRateLimiter original = new KeyRateLimiter();
        LockFreeKeyRateLimiter twin = new LockFreeKeyRateLimiter();
        LimitDecision d = new LimitDecision();
        for (int n = 0; n < ops.size(); n++) {
            Op op = ops.get(n);
            String expected;
            String actual;
            switch (op.kind()) {
                case ACQUIRE -> {
                    expected = show(original.tryAcquire(op.key(), new KeyLimits(op.rpm(), op.tpm(), op.parallel()),
                            op.tokens(), op.now()));
                    actual = show(twin.tryAcquire(op.key(), op.rpm(), op.tpm(), op.parallel(), op.tokens(), op.now(), d));
                }
                case PEEK -> {
                    expected = show(original.peek(op.key(), new KeyLimits(op.rpm(), op.tpm(), op.parallel()), op.now()));
                    actual = show(twin.peek(op.key(), op.rpm(), op.tpm(), op.parallel(), op.now(), d));
                }
                case RECONCILE -> {
                    original.reconcile(op.key(), op.tokens(), op.actual(), op.acquiredAt(), op.now());
                    twin.reconcile(op.key(), op.tokens(), op.actual(), op.acquiredAt(), op.now());
                    expected = "";
                    actual = "";
                }
                case RELEASE -> {
                    original.release(op.key());
                    twin.release(op.key());
                    expected = "";
                    actual = "";
                }
                case EVICT -> {
                    expected = "evicted " + original.evictIdle(op.now());
                    actual = "evicted " + twin.evictIdle(op.now());
                }
                case BURST -> {
                    expected = "";
                    actual = "";
                    KeyLimits limits = new KeyLimits(op.rpm(), op.tpm(), op.parallel());
                    // a long burst is a stream of short requests, each released before the next
                    boolean stream = op.actual() > 1_000;
                    for (int k = 0; k < op.actual(); k++) {
                        RateLimitDecision o = original.tryAcquire(op.key(), limits, op.tokens(), op.now());
                        twin.tryAcquire(op.key(), op.rpm(), op.tpm(), op.parallel(), op.tokens(), op.now(), d);
                        if (expected.isEmpty() && !show(o).equals(show(d))) {
                            expected = "answer " + k + ": " + show(o); // the first answer that differs
                            actual = "answer " + k + ": " + show(d);
                        }
                        if (stream && o.allowed()) {
                            original.release(op.key());
                        }
                        if (stream && d.allowed()) {
                            twin.release(op.key());
                        }
                    }
                }
                case RELEASE_BURST -> {
                    for (int k = 0; k < op.actual(); k++) {
                        original.release(op.key());
                        twin.release(op.key());
                    }
                    expected = "";
                    actual = "";
                }
                default -> throw new AssertionError(op);
            }
            expected += " tracked " + original.trackedKeys();
            actual += " tracked " + twin.trackedKeys();
            if (!expected.equals(actual)) {
                return "call #" + n + " " + op + ": original " + expected + ", twin " + actual;
            }
        }
        return null;
    }

    static String show(RateLimitDecision d) {
        return d.allowed() + " " + d.rejectedBy().name() + " " + d.retryAfterMillis() + " " + d.limitRequests() + " "
                + d.remainingRequests() + " " + d.limitTokens() + " " + d.remainingTokens();
    }

    static String show(LimitDecision d) {
        return d.allowed() + " " + d.refusedBy().name() + " " + d.retryAfterMillis() + " " + d.limitRequests() + " "
                + d.remainingRequests() + " " + d.limitTokens() + " " + d.remainingTokens();
    }

    /** The shortest sub-sequence found that still fails: drop halves, then quarters, ..., then single calls. */
    static List<Op> shrink(List<Op> ops) {
        List<Op> current = new ArrayList<>(ops);
        for (int chunk = Math.max(1, current.size() / 2); chunk >= 1; chunk /= 2) {
            boolean progress = true;
            while (progress) {
                progress = false;
                for (int from = 0; from + chunk <= current.size(); ) {
                    List<Op> candidate = new ArrayList<>(current.subList(0, from));
                    candidate.addAll(current.subList(from + chunk, current.size()));
                    if (!candidate.isEmpty() && firstMismatch(candidate) != null) {
                        current = candidate;
                        progress = true;
                    } else {
                        from += chunk;
                    }
                }
            }
        }
        return current;
    }
}
