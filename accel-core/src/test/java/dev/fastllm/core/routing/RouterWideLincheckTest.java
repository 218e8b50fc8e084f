package dev.fastllm.core.routing;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import org.jetbrains.kotlinx.lincheck.paramgen.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Lincheck on the twin's wide path: token counts past {@link MinuteUsage#TOKENS_MAX} (2^43 - 1), where a
 * deployment's word freezes and its exact counts move to a cell of the minute. Concurrent picks, ends and
 * retry-afters, and reads of the deployment's tokens, must be explainable by some sequential order of the
 * same calls on the gateway's own router (the sequential specification), as in {@link RouterLincheckTest},
 * but with estimates, reservations and reported totals around 2^43 and near {@code Long.MAX_VALUE} (see
 * {@link #TOKENS}): so that claims and settlements freeze words while others update them compactly, race to
 * create the minute's array of cells and the cell, claim and settle in the cell, and start minutes already
 * wide.
 *
 * <p>One deployment per run, so that no random draw can differ, a pick reads one word, and every call of a
 * scenario meets the same word: {@link WithTpm} ({@code tpm} 2^44 + 5, {@code rpm} 4) and
 * {@link WithoutTpm} (neither set), each model-checked and stressed. Calls at two minutes. Ends are given by
 * their parts ({@link FastRouter#onEndClaimed}; on the original, a route made with the same parts), so that an
 * end drops any reservation and adds any total without a bag of open claims shared by the threads (whose
 * order would not follow the picks'); both clamp and saturate alike. Usage-based, whose pick reads the
 * candidate's tokens (the cell, once frozen); the words on the heap, as the model checker follows array
 * elements, not direct buffers. {@link Calls#used} reads the deployment's tokens in the newest minute
 * (package-private on the twin, a field on the original): one read of the word or of the cell, so that a lost
 * update shows even where it crosses no limit.
 *
 * <p>About 20 s here ({@code -Dlincheck.iterations=N} runs N scenarios in each of the four checks; 10 by
 * default, model checking 100 interleavings of each). With the wide claim's, the wide settlement's, the
 * freeze's, the cell's or the cells array's compare-and-set made a plain store, both model checks failed at
 * these settings, and both stress checks but for the cell's store (only {@link WithoutTpm} failed).
 */
public class RouterWideLincheckTest {

    private static final long T0 = 1_700_000_040_000L;
    private static final long U = FastRouter.UNSET;
    private static final long MAX = MinuteUsage.TOKENS_MAX;
    /** Estimates, reservations and totals, by index: small, then around 2^43 - 1, then near {@code Long.MAX_VALUE}. */
    static final long[] TOKENS = {0, 3, 1L << 42, MAX - 1, MAX + 1, 1L << 62, Long.MAX_VALUE};

    /** {@code tpm} 2^44 + 5 (two claims of 2^43 fit, a third does not) and {@code rpm} 4. */
    static final Originals.Spec WITH_TPM = new Originals.Spec("g", new String[]{"a"}, new long[]{4},
            new long[]{(1L << 44) + 5}, new long[]{U});
    /** Neither set: any estimate fits an empty minute; after one of {@code Long.MAX_VALUE} only 0 does. */
    static final Originals.Spec WITHOUT_TPM = new Originals.Spec("g", new String[]{"b"}, new long[]{U},
            new long[]{U}, new long[]{U});

    static long now(int minute) {
        return T0 + minute * FastRouter.MINUTE_MILLIS;
    }

    /** An end's pick minute (0, 0, 1) and its own minute (0, 1, 1), by {@code when}. */
    static long startedAt(int when) {
        return now(when == 2 ? 1 : 0);
    }

    static long endedAt(int when) {
        return now(when == 0 ? 0 : 1) + 1;
    }

    /** A minute as "minute:tokens", minutes counted from {@link #T0}'s; "-:0" before the first. */
    static String usage(long minute, long tokens) {
        return (minute == Long.MIN_VALUE ? "-" : Long.toString(minute - T0 / FastRouter.MINUTE_MILLIS)) + ":" + tokens;
    }

    /** The calls on the twin, for one deployment ({@link WithTpm}, {@link WithoutTpm}). */
    @Param(name = "tokens", gen = IntGen.class, conf = "0:6")
    @Param(name = "minute", gen = IntGen.class, conf = "0:1")
    @Param(name = "when", gen = IntGen.class, conf = "0:2")
    public abstract static class Calls {
        private final FastRouter twin;

        Calls(Originals.Spec spec) {
            twin = FastRouter.builder(FastRouter.USAGE_BASED_V2, 1_000, 5_000)
                    .onHeapLines()
                    .group(spec.group(), spec.ids(), spec.rpm(), spec.tpm(), spec.weight())
                    .build();
        }

        @Operation(params = {"tokens", "minute"})
        public String pick(int tokens, int minute) {
            Claim c = twin.pick("g", TOKENS[tokens], now(minute));
            return c == null ? null : c.deploymentId();
        }

        @Operation(params = {"tokens", "minute"})
        public long retryAfter(int tokens, int minute) {
            return twin.retryAfterMillis("g", TOKENS[tokens], now(minute));
        }

        /** A successful end of a claim of {@code TOKENS[reserved]} that used {@code TOKENS[total]}. */
        @Operation(params = {"tokens", "tokens", "when"})
        public void end(int reserved, int total, int when) {
            twin.onEndClaimed("g", 0, startedAt(when), TOKENS[reserved], 200, TOKENS[total], endedAt(when));
        }

        /** The deployment's tokens in the newest minute: one read of its word, or of its cell. */
        @Operation
        public String used() {
            MinuteUsage u = twin.group("g").usage();
            return usage(u.minute, MinuteUsage.tokens(u, 0));
        }
    }

    public static final class WithTpm extends Calls {
        public WithTpm() {
            super(WITH_TPM);
        }
    }

    public static final class WithoutTpm extends Calls {
        public WithoutTpm() {
            super(WITHOUT_TPM);
        }
    }

    /** The sequential specification: the gateway's router, same configuration, same calls. */
    public abstract static class Original {
        private final Router router;

        Original(Originals.Spec spec) {
            router = Originals.original(FastRouter.USAGE_BASED_V2, 1_000, 5, 1L, spec);
        }

        public String pick(int tokens, int minute) {
            Route r = router.pick("g", TOKENS[tokens], now(minute));
            return r == null ? null : r.deployment().id();
        }

        public long retryAfter(int tokens, int minute) {
            return router.retryAfterMillis("g", TOKENS[tokens], now(minute));
        }

        public void end(int reserved, int total, int when) {
            router.onEnd(Internals.route(router, "g", startedAt(when), TOKENS[reserved]), 200, TOKENS[total],
                    endedAt(when));
        }

        public String used() {
            Object state = Internals.state(router, "g");
            return usage(Internals.getLong(state, "minute"), ((long[]) Internals.get(state, "minuteTokens"))[0]);
        }
    }

    public static final class OriginalWithTpm extends Original {
        public OriginalWithTpm() {
            super(WITH_TPM);
        }
    }

    public static final class OriginalWithoutTpm extends Original {
        public OriginalWithoutTpm() {
            super(WITHOUT_TPM);
        }
    }

    /**
     * The original router's state, by reflection: its routes are made by its picks only, and its minute's
     * counts are not public.
     */
    static final class Internals {
        private static final Field GROUPS;
        private static final Constructor<Route> ROUTE;

        static {
            try {
                GROUPS = Router.class.getDeclaredField("groups");
                GROUPS.setAccessible(true);
                Class<?> state = Class.forName(Router.class.getName() + "$GroupState");
                ROUTE = Route.class.getDeclaredConstructor(Deployment.class, long.class, long.class, state, int.class);
                ROUTE.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static Object state(Router r, String group) {
            try {
                return ((Map<?, ?>) GROUPS.get(r)).get(group);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        static Object get(Object o, String name) {
            try {
                Field f = o.getClass().getDeclaredField(name);
                f.setAccessible(true);
                return f.get(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        static long getLong(Object o, String name) {
            return (Long) get(o, name);
        }

        /** A route of deployment 0 of {@code group} picked at {@code startedAt} with {@code reserved} tokens. */
        static Route route(Router r, String group, long startedAt, long reserved) {
            Object state = state(r, group);
            Deployment d = ((Deployment[]) get(state, "deployments"))[0];
            try {
                return ROUTE.newInstance(d, startedAt, reserved, state, 0);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static void modelCheck(Class<?> calls, Class<?> original) {
        new ModelCheckingOptions().sequentialSpecification(original)
                .iterations(Integer.getInteger("lincheck.iterations", 10)).invocationsPerIteration(100)
                .threads(3).actorsPerThread(3)
                .check(calls);
    }

    private static void stress(Class<?> calls, Class<?> original) {
        new StressOptions().sequentialSpecification(original)
                .iterations(Integer.getInteger("lincheck.iterations", 10)).invocationsPerIteration(1_000)
                .threads(3).actorsPerThread(3)
                .check(calls);
    }

    @Test
    void modelCheckingWithTpm() {
        modelCheck(WithTpm.class, OriginalWithTpm.class);
    }

    @Test
    void modelCheckingWithoutTpm() {
        modelCheck(WithoutTpm.class, OriginalWithoutTpm.class);
    }

    @Test
    void stressWithTpm() {
        stress(WithTpm.class, OriginalWithTpm.class);
    }

    @Test
    void stressWithoutTpm() {
        stress(WithoutTpm.class, OriginalWithoutTpm.class);
    }
}
