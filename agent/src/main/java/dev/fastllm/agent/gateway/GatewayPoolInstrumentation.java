package dev.fastllm.agent.gateway;

import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.upstream.ConnectionPool;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

/**
 * Point {@code gateway.connection-pool}: every method of the demo gateway's {@code ConnectionPool} that
 * reads or writes its state ({@code acquire}, {@code release}, {@code evictIdle}, {@code purgeUnusable},
 * {@code stats}, {@code close}), each pool served by its accel-core twin under the ownership rule of
 * {@link GatewayPoolFastPath}. Stateful: a canary selects pools by name; shadow is refused.
 */
public final class GatewayPoolInstrumentation extends PointInstrumentation {

    static final String TARGET = "dev.fastllm.gateway.upstream.ConnectionPool";
    static final String STATS = TARGET + "$Stats";

    /** Fields the twin is built from: name and type. */
    private static final String[][] FIELDS = {
        {"name", "java.lang.String"}, {"maxConnections", "int"}, {"maxPending", "int"},
        {"idleTimeoutNanos", "long"}, {"nanoClock", "java.util.function.LongSupplier"},
        {"lock", "java.util.concurrent.locks.ReentrantLock"}, {"closed", "boolean"},
        {"connector", TARGET + "$Connector"},
    };

    public GatewayPoolInstrumentation() {
        super("gateway.connection-pool", Component.CONNECTION_POOL, Kind.STATEFUL, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(
                new Rewrite(named("acquire").and(takesNoArguments()).and(returns(CompletableFuture.class))
                        .and(not(isStatic())), "CompletableFuture acquire()", AcquireAdvice.class),
                new Rewrite(named("release").and(takesArguments(Object.class, boolean.class))
                        .and(returns(void.class)).and(not(isStatic())), "void release(C, boolean)", ReleaseAdvice.class),
                new Rewrite(named("evictIdle").and(takesNoArguments()).and(returns(int.class)).and(not(isStatic())),
                        "int evictIdle()", EvictIdleAdvice.class),
                new Rewrite(named("purgeUnusable").and(takesNoArguments()).and(returns(void.class))
                        .and(not(isStatic())), "void purgeUnusable()", PurgeUnusableAdvice.class),
                new Rewrite(named("stats").and(takesNoArguments()).and(returns(named(STATS))).and(not(isStatic())),
                        "Stats stats()", StatsAdvice.class),
                new Rewrite(named("close").and(takesNoArguments()).and(returns(void.class)).and(not(isStatic())),
                        "void close()", CloseAdvice.class));
    }

    /** The twin is built from the pool's private fields: each must be there with its type. */
    @Override
    public String unsupportedShape(TypeDescription type) {
        FieldList<FieldDescription.InDefinedShape> fields = type.getDeclaredFields();
        for (String[] f : FIELDS) {
            FieldList<FieldDescription.InDefinedShape> found = fields.filter(named(f[0]));
            if (found.size() != 1 || found.getOnly().isStatic()
                    || !found.getOnly().getType().asErasure().getName().equals(f[1])) {
                return "no field " + f[1] + " " + f[0];
            }
        }
        return null;
    }

    @Override
    public void bind(Point point) {
        ConnectionPoolBridge.install(new GatewayPoolFastPath(point));
    }

    /** {@code acquire()}: the twin's future, or the original body's. */
    static final class AcquireAdvice {
        private AcquireAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Object enter(@Advice.This Object self, @Advice.FieldValue("name") String name) {
            return ConnectionPoolBridge.acquire(self, name);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter Object fast,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object lease) {
            lease = fast != null ? fast : lease;
        }
    }

    /** {@code release(c, reusable)}: the twin takes back its own leases; the original body takes the rest. */
    static final class ReleaseAdvice {
        private ReleaseAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) Object connection,
                             @Advice.Argument(1) boolean reusable) {
            return ConnectionPoolBridge.release(self, connection, reusable);
        }
    }

    /** {@code evictIdle()}: the twin's evictions plus the original body's. */
    static final class EvictIdleAdvice {
        private EvictIdleAdvice() {
        }

        @Advice.OnMethodEnter
        static int enter(@Advice.This Object self) {
            return ConnectionPoolBridge.evictIdle(self);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter int twinEvicted, @Advice.Return(readOnly = false) int evicted) {
            evicted += twinEvicted;
        }
    }

    /** {@code purgeUnusable()}: the twin's, then the original body. */
    static final class PurgeUnusableAdvice {
        private PurgeUnusableAdvice() {
        }

        @Advice.OnMethodEnter
        static void enter(@Advice.This Object self) {
            ConnectionPoolBridge.purgeUnusable(self);
        }
    }

    /** {@code stats()}: the original body's counts plus the twin's, the limit once. */
    static final class StatsAdvice {
        private StatsAdvice() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Return(readOnly = false) ConnectionPool.Stats stats) {
            long[] s = ConnectionPoolBridge.stats(self, stats.leased(), stats.idle(), stats.connecting(),
                    stats.pending(), stats.opened(), stats.closed());
            stats = s == null ? stats : new ConnectionPool.Stats((int) s[0], (int) s[1], (int) s[2], (int) s[3],
                    stats.max(), s[4], s[5]);
        }
    }

    /** {@code close()}: the original body, then the twin (also when the body threw). */
    static final class CloseAdvice {
        private CloseAdvice() {
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.This Object self) {
            ConnectionPoolBridge.closed(self);
        }
    }
}
