package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import dev.fastllm.core.pool.Connector;
import dev.fastllm.core.pool.FastPool;
import dev.fastllm.core.pool.Refusals;


import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Builds the twin of one demo-gateway {@code ConnectionPool} instance: an accel-core {@link FastPool} with
 * the pool's own name, limits, idle timeout and clock, over the pool's OWN {@code Connector} (called through
 * a small class generated next to the pool's class, {@code ConnectionPool$FastLlmConnectorCalls}: the agent's
 * isolated part cannot name the application's types), failing futures with the
 * pool's own {@code PoolExhaustedException} and {@code PoolClosedException}. One instance per pool class
 * (per class loader), set up once by reflection: private fields read through a private lookup.
 *
 * <p>The twin must not keep its pool reachable (the twin table holds pools weakly), yet a connector usually
 * refers to its pool (the gateway's closes over its client, which holds the pool). So the twin holds the
 * connector weakly: while the pool lives its own field keeps the connector alive; once the pool is
 * unreachable the twin's connector calls answer "not usable" and do nothing.
 */
final class GatewayPoolTwins {

    static final String CONNECTOR = "$Connector";
    static final String EXHAUSTED = "$PoolExhaustedException";
    static final String CLOSED = "$PoolClosedException";

    private final VarHandle name;
    private final VarHandle connector;
    private final VarHandle maxConnections;
    private final VarHandle maxPending;
    private final VarHandle idleTimeoutNanos;
    private final VarHandle nanoClock;
    private final VarHandle lock;
    private final VarHandle closed;
    private final ConnectionPoolBridge.ConnectorCalls calls;
    private final Refusals refusals;

    private GatewayPoolTwins(Class<?> poolClass) throws ReflectiveOperationException {
        MethodHandles.Lookup in = MethodHandles.privateLookupIn(poolClass, MethodHandles.lookup());
        ClassLoader loader = poolClass.getClassLoader();
        Class<?> connectorType = Class.forName(poolClass.getName() + CONNECTOR, false, loader);
        name = in.findVarHandle(poolClass, "name", String.class);
        connector = in.findVarHandle(poolClass, "connector", connectorType);
        maxConnections = in.findVarHandle(poolClass, "maxConnections", int.class);
        maxPending = in.findVarHandle(poolClass, "maxPending", int.class);
        idleTimeoutNanos = in.findVarHandle(poolClass, "idleTimeoutNanos", long.class);
        nanoClock = in.findVarHandle(poolClass, "nanoClock", LongSupplier.class);
        lock = in.findVarHandle(poolClass, "lock", ReentrantLock.class);
        closed = in.findVarHandle(poolClass, "closed", boolean.class);
        MethodHandles.Lookup pub = MethodHandles.publicLookup();
        calls = connectorCalls(in, poolClass, connectorType);
        refusals = new OwnRefusals(exceptionMaker(pub, poolClass.getName() + EXHAUSTED, loader),
                exceptionMaker(pub, poolClass.getName() + CLOSED, loader));
    }

    private static final ClassValue<GatewayPoolTwins> BY_CLASS = new ClassValue<>() {
        @Override
        protected GatewayPoolTwins computeValue(Class<?> type) {
            try {
                return new GatewayPoolTwins(type);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot read " + type.getName() + ": " + e, e);
            }
        }
    };

    /**
     * Direct calls of the connector: a small class generated next to the pool's class (in its package, through
     * the private lookup), implementing the bridge's {@code ConnectorCalls} with plain interface calls. Method
     * handles held in a field cannot be inlined; these calls can. If the class cannot be defined there (a
     * sealed package, say), method handles serve instead.
     */
    private static ConnectionPoolBridge.ConnectorCalls connectorCalls(MethodHandles.Lookup in, Class<?> poolClass,
                                                                     Class<?> connectorType)
            throws ReflectiveOperationException {
        try {
            byte[] classfile = ConnectorCallsClass.of(poolClass.getName() + "$FastLlmConnectorCalls", connectorType);
            Class<?> generated = in.defineClass(classfile);
            return (ConnectionPoolBridge.ConnectorCalls) generated.getConstructor().newInstance();
        } catch (RuntimeException | LinkageError e) {
            return new HandleCalls(connectorType);
        }
    }

    /** The factory for {@code pool}'s class; throws if that class is not of the shape the point rewrites. */
    static GatewayPoolTwins of(Object pool) {
        return BY_CLASS.get(pool.getClass());
    }

    /** A new, empty twin of {@code pool}: same name, limits, clock and connector. */
    FastPool<Object> newTwin(Object pool) {
        return new FastPool<>((String) name.get(pool), new OwnConnector(calls, connector.get(pool)),
                (int) maxConnections.get(pool), (int) maxPending.get(pool), (long) idleTimeoutNanos.get(pool),
                (LongSupplier) nanoClock.get(pool), refusals);
    }

    /** How the twins of this pool class call the connector (for tests). */
    ConnectionPoolBridge.ConnectorCalls calls() {
        return calls;
    }

    /** The lock guarding the original's state. */
    ReentrantLock lock(Object pool) {
        return (ReentrantLock) lock.get(pool);
    }

    /** Whether the original has been closed; read it holding {@link #lock}. */
    boolean isClosed(Object pool) {
        return (boolean) closed.get(pool);
    }

    private static MethodHandle exceptionMaker(MethodHandles.Lookup pub, String className, ClassLoader loader)
            throws ReflectiveOperationException {
        Class<?> type = Class.forName(className, false, loader);
        return pub.findConstructor(type, MethodType.methodType(void.class, String.class))
                .asType(MethodType.methodType(RuntimeException.class, String.class));
    }

    /** Rethrows what a method handle threw, unchecked. */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> RuntimeException rethrow(Throwable t) throws T {
        throw (T) t;
    }

    /** The pool's own connector, held weakly, seen as accel-core's {@link Connector}. */
    private static final class OwnConnector implements Connector<Object> {
        private final ConnectionPoolBridge.ConnectorCalls calls;
        private final WeakReference<Object> target;

        OwnConnector(ConnectionPoolBridge.ConnectorCalls calls, Object target) {
            this.calls = calls;
            this.target = new WeakReference<>(target);
        }

        @Override
        @SuppressWarnings("unchecked")
        public CompletableFuture<Object> connect() {
            Object c = target.get();
            if (c == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("the pool is gone"));
            }
            return (CompletableFuture<Object>) calls.connect(c);
        }

        @Override
        public boolean isUsable(Object connection) {
            Object c = target.get();
            return c != null && calls.isUsable(c, connection);
        }

        @Override
        public void close(Object connection) {
            Object c = target.get();
            if (c != null) {
                calls.close(c, connection);
            }
        }
    }

    /** The connector's calls through method handles: where no class can be generated next to the pool. */
    static final class HandleCalls implements ConnectionPoolBridge.ConnectorCalls {
        private final MethodHandle connect;
        private final MethodHandle isUsable;
        private final MethodHandle close;

        HandleCalls(Class<?> connectorType) throws ReflectiveOperationException {
            MethodHandles.Lookup pub = MethodHandles.publicLookup();
            connect = pub.findVirtual(connectorType, "connect", MethodType.methodType(CompletableFuture.class))
                    .asType(MethodType.methodType(CompletableFuture.class, Object.class));
            isUsable = pub.findVirtual(connectorType, "isUsable", MethodType.methodType(boolean.class, Object.class))
                    .asType(MethodType.methodType(boolean.class, Object.class, Object.class));
            close = pub.findVirtual(connectorType, "close", MethodType.methodType(void.class, Object.class))
                    .asType(MethodType.methodType(void.class, Object.class, Object.class));
        }

        @Override
        public CompletableFuture<?> connect(Object connector) {
            try {
                return (CompletableFuture<?>) connect.invokeExact(connector);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public boolean isUsable(Object connector, Object connection) {
            try {
                return (boolean) isUsable.invokeExact(connector, connection);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public void close(Object connector, Object connection) {
            try {
                close.invokeExact(connector, connection);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** The pool's own exception types. */
    private static final class OwnRefusals implements Refusals {
        private final MethodHandle exhausted;
        private final MethodHandle closed;

        OwnRefusals(MethodHandle exhausted, MethodHandle closed) {
            this.exhausted = exhausted;
            this.closed = closed;
        }

        @Override
        public RuntimeException exhausted(String message) {
            try {
                return (RuntimeException) exhausted.invokeExact(message);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public RuntimeException closed(String message) {
            try {
                return (RuntimeException) closed.invokeExact(message);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }
}
