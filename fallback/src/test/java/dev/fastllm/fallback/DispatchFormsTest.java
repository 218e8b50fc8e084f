package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The reference form ({@code call}) and the int form ({@code callInt}) follow one protocol: the same
 * scenario through each gives the same answer, the same counters, the same breaker state and the same
 * latency samples.
 */
class DispatchFormsTest {

    /** What the fast path does in a scenario. */
    enum Fast { ANSWERS_SAME, ANSWERS_OTHER, DECLINES, THROWS }

    private static final IllegalStateException ORIGINAL_FAILURE = new IllegalStateException("original");

    private static Points points(ManualClock clock) {
        return new Points(Settings.load("metrics.latency-sample=100,breaker.failures=2,breaker.trials=1", null, null,
                new RecordingWarnings()), clock, new RecordingWarnings());
    }

    private static Function<Integer, Integer> fastRef(Fast f, ManualClock clock) {
        return n -> {
            clock.advance(10, TimeUnit.NANOSECONDS);
            switch (f) {
                case ANSWERS_SAME: return n * 2;
                case ANSWERS_OTHER: return n * 2 + 1;
                case DECLINES: return null;
                default: throw new IllegalStateException("fast");
            }
        };
    }

    private static ToIntFunction<Integer> fastInt(Fast f, ManualClock clock) {
        return n -> {
            clock.advance(10, TimeUnit.NANOSECONDS);
            switch (f) {
                case ANSWERS_SAME: return n * 2;
                case ANSWERS_OTHER: return n * 2 + 1;
                case DECLINES: return Point.DECLINE_INT;
                default: throw new IllegalStateException("fast");
            }
        };
    }

    private static String snapshot(Point p, long[] latency) {
        StringBuilder sb = new StringBuilder();
        for (Path path : Path.values()) {
            sb.append(path).append('=').append(p.calls(path)).append(" latency=").append(latency[path.ordinal()])
                    .append(' ');
        }
        return sb.append("errors=").append(p.errors()).append(" declines=").append(p.declines())
                .append(" mismatches=").append(p.shadowMismatches()).append(" breaker=")
                .append(p.breaker().state()).toString();
    }

    private static long[] sink(Point p) {
        long[] recorded = new long[Path.values().length];
        p.setLatencySink((path, nanos) -> recorded[path.ordinal()] += nanos);
        return recorded;
    }

    @ParameterizedTest
    @EnumSource(Fast.class)
    void bothFormsAgreeForEveryFlagAndOutcome(Fast fast) {
        for (Flag flag : new Flag[] {Flag.OFF, Flag.ON, Flag.shadow(100), Flag.canary(0)}) {
            ManualClock refClock = new ManualClock();
            ManualClock intClock = new ManualClock();
            Point ref = points(refClock).declare("ref.tokens", Component.TOKENS, Kind.PURE, flag);
            Point num = points(intClock).declare("int.tokens", Component.TOKENS, Kind.PURE, flag);
            long[] refLatency = sink(ref);
            long[] intLatency = sink(num);
            Function<Integer, Integer> refOriginal = n -> {
                refClock.advance(100, TimeUnit.NANOSECONDS);
                return n * 2;
            };
            ToIntFunction<Integer> intOriginal = n -> {
                intClock.advance(100, TimeUnit.NANOSECONDS);
                return n * 2;
            };
            for (int i = 0; i < 5; i++) {
                Integer r = ref.call(i, fastRef(fast, refClock), refOriginal);
                int n = num.callInt(i, fastInt(fast, intClock), intOriginal);
                assertEquals(r.intValue(), n, flag + " " + fast);
                int expected = flag.equals(Flag.ON) && fast == Fast.ANSWERS_OTHER && ref.breaker().state()
                        == BreakerState.CLOSED ? i * 2 + 1 : i * 2;
                assertEquals(expected, n, flag + " " + fast + " call " + i);
            }
            assertEquals(snapshot(ref, refLatency), snapshot(num, intLatency), flag + " " + fast);
        }
    }

    @ParameterizedTest
    @EnumSource(Fast.class)
    void anOriginalThatThrowsPropagatesUnchangedInBothForms(Fast fast) {
        for (Flag flag : new Flag[] {Flag.ON, Flag.shadow(100)}) {
            ManualClock clock = new ManualClock();
            Point ref = points(clock).declare("ref.tokens", Component.TOKENS, Kind.PURE, flag);
            Point num = points(clock).declare("int.tokens", Component.TOKENS, Kind.PURE, flag);
            Function<Integer, Integer> refOriginal = n -> {
                throw ORIGINAL_FAILURE;
            };
            ToIntFunction<Integer> intOriginal = n -> {
                throw ORIGINAL_FAILURE;
            };
            for (int i = 0; i < 3; i++) {
                int k = i;
                boolean fastStands = flag.equals(Flag.ON) && (fast == Fast.ANSWERS_SAME || fast == Fast.ANSWERS_OTHER);
                if (fastStands) {
                    assertEquals(fastRef(fast, clock).apply(k), ref.call(k, fastRef(fast, clock), refOriginal));
                    assertEquals(fastInt(fast, clock).applyAsInt(k), num.callInt(k, fastInt(fast, clock), intOriginal));
                } else {
                    assertSame(ORIGINAL_FAILURE, assertThrows(IllegalStateException.class,
                            () -> ref.call(k, fastRef(fast, clock), refOriginal)));
                    assertSame(ORIGINAL_FAILURE, assertThrows(IllegalStateException.class,
                            () -> num.callInt(k, fastInt(fast, clock), intOriginal)));
                }
            }
            assertEquals(snapshot(ref, new long[Path.values().length]), snapshot(num, new long[Path.values().length]),
                    flag + " " + fast);
        }
    }
}
