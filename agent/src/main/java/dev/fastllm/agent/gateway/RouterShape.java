package dev.fastllm.agent.gateway;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * How the fast path reaches into one loaded {@code Router} class (whatever class loader defined it): its
 * private fields, read once when a twin is made, and the handles used per call: {@code Route}'s
 * package-private constructor (a twin's pick answers with the gateway's own {@code Route}), its fields, and
 * its {@code ended} flag (the twin's once-only flag for its routes, so that a second {@code onEnd} reaching
 * the original's body is a no-op there as it is in the original). Never calls a method of the router
 * itself (they are rewritten).
 */
final class RouterShape {

    /** Names of the fields read; {@link GatewayRoutingInstrumentation#unsupportedShape} checks them too. */
    static final String[] ROUTER_FIELDS = {"strategyName", "allowedFails", "cooldownMillis", "groups"};

    private static final ClassValue<RouterShape> SHAPES = new ClassValue<>() {
        @Override
        protected RouterShape computeValue(Class<?> type) {
            try {
                return new RouterShape(type);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("Router of an unexpected shape: " + e, e);
            }
        }
    };

    private final Field strategyName;
    private final Field allowedFails;
    private final Field cooldownMillis;
    private final Field groups;
    private final Field deployments;
    private final Field inFlight;
    private final Field coolUntil;
    /** The rest of a group's state a move carries ({@link OriginalGroupState}). */
    private final Field minute;
    private final Field minuteRequests;
    private final Field minuteTokens;
    private final Field latencies;
    private final Field latencyCount;
    private final Field latencyNext;
    private final Field failWindowStart;
    private final Field failCount;
    private final Method id;
    private final Method rpm;
    private final Method tpm;
    private final Method weight;
    /** {@code (Deployment, long, long, GroupState, int) -> Route}, typed over Object. */
    private final MethodHandle newRoute;
    /** {@code (Router, Deployment[], SplittableRandom) -> GroupState}, typed over Object. */
    private final MethodHandle newGroup;
    /** {@code (Route, false, true) -> boolean}: compare-and-set of Route.ended. */
    private final MethodHandle casEnded;
    /** Route's {@code group}, {@code index}, {@code startedAtMillis}, {@code reservedTokens}. */
    private final MethodHandle routeGroup;
    private final MethodHandle routeIndex;
    private final MethodHandle routeStartedAt;
    private final MethodHandle routeReserved;

    /** The first shape made; read once, by {@link Primary}'s initialisation. */
    private static volatile RouterShape first;

    /**
     * The first shape's per-call handles as constants. Initialised at the first per-call use of any shape,
     * which comes after that shape's constructor has set {@link #first}.
     */
    private static final class Primary {
        static final RouterShape SHAPE = first;
        static final MethodHandle NEW_ROUTE = SHAPE == null ? null : SHAPE.newRoute;
        static final MethodHandle CAS_ENDED = SHAPE == null ? null : SHAPE.casEnded;
        static final MethodHandle ROUTE_GROUP = SHAPE == null ? null : SHAPE.routeGroup;
        static final MethodHandle ROUTE_INDEX = SHAPE == null ? null : SHAPE.routeIndex;
        static final MethodHandle ROUTE_STARTED_AT = SHAPE == null ? null : SHAPE.routeStartedAt;
        static final MethodHandle ROUTE_RESERVED = SHAPE == null ? null : SHAPE.routeReserved;

        private Primary() {
        }
    }

    private RouterShape(Class<?> router) throws ReflectiveOperationException {
        ClassLoader loader = router.getClassLoader();
        String pkg = router.getPackageName();
        Class<?> group = Class.forName(router.getName() + "$GroupState", false, loader);
        Class<?> route = Class.forName(pkg + ".Route", false, loader);
        strategyName = open(router.getDeclaredField("strategyName"));
        allowedFails = open(router.getDeclaredField("allowedFails"));
        cooldownMillis = open(router.getDeclaredField("cooldownMillis"));
        groups = open(router.getDeclaredField("groups"));
        deployments = open(group.getDeclaredField("deployments"));
        inFlight = open(group.getDeclaredField("inFlight"));
        coolUntil = open(group.getDeclaredField("coolUntil"));
        minute = open(group.getDeclaredField("minute"));
        minuteRequests = open(group.getDeclaredField("minuteRequests"));
        minuteTokens = open(group.getDeclaredField("minuteTokens"));
        latencies = open(group.getDeclaredField("latencies"));
        latencyCount = open(group.getDeclaredField("latencyCount"));
        latencyNext = open(group.getDeclaredField("latencyNext"));
        failWindowStart = open(group.getDeclaredField("failWindowStart"));
        failCount = open(group.getDeclaredField("failCount"));
        if (minute.getType() != long.class) {
            throw new NoSuchFieldException("GroupState.minute is not a long");
        }
        Class<?> deployment = deployments.getType().getComponentType();
        id = deployment.getMethod("id");
        rpm = deployment.getMethod("rpm");
        tpm = deployment.getMethod("tpm");
        weight = deployment.getMethod("weight");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(route, MethodHandles.lookup());
        newRoute = lookup.findConstructor(route, MethodType.methodType(void.class, deployment, long.class, long.class,
                        group, int.class))
                .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class, Object.class, int.class));
        casEnded = lookup.findVarHandle(route, "ended", boolean.class)
                .toMethodHandle(VarHandle.AccessMode.COMPARE_AND_SET)
                .asType(MethodType.methodType(boolean.class, Object.class, boolean.class, boolean.class));
        routeGroup = lookup.findGetter(route, "group", group).asType(MethodType.methodType(Object.class, Object.class));
        routeIndex = lookup.findGetter(route, "index", int.class).asType(MethodType.methodType(int.class, Object.class));
        routeStartedAt = lookup.findGetter(route, "startedAtMillis", long.class)
                .asType(MethodType.methodType(long.class, Object.class));
        routeReserved = lookup.findGetter(route, "reservedTokens", long.class)
                .asType(MethodType.methodType(long.class, Object.class));
        newGroup = MethodHandles.privateLookupIn(group, MethodHandles.lookup())
                .findConstructor(group, MethodType.methodType(void.class, router, deployments.getType(),
                        SplittableRandom.class))
                .asType(MethodType.methodType(Object.class, Object.class, Object.class, SplittableRandom.class));
        synchronized (RouterShape.class) {
            if (first == null) {
                first = this;
            }
        }
    }

    private static Field open(Field f) {
        f.setAccessible(true);
        return f;
    }

    /** The shape of {@code router}'s class; throws IllegalStateException when it is not the expected one. */
    static RouterShape of(Object router) {
        return SHAPES.get(router.getClass());
    }

    String strategy(Object router) throws IllegalAccessException {
        return (String) strategyName.get(router);
    }

    int allowedFails(Object router) throws IllegalAccessException {
        return allowedFails.getInt(router);
    }

    long cooldownMillis(Object router) throws IllegalAccessException {
        return cooldownMillis.getLong(router);
    }

    /** Group name to the original's {@code GroupState}. */
    @SuppressWarnings("unchecked")
    Map<String, Object> groups(Object router) throws IllegalAccessException {
        return (Map<String, Object>) groups.get(router);
    }

    Object[] deployments(Object groupState) throws IllegalAccessException {
        return (Object[]) deployments.get(groupState);
    }

    /**
     * The original group's state that ownership reads and a move carries: used only under the group's
     * monitor. Throws ClassCastException when a field has another type than the gateway's.
     */
    OriginalGroupState state(Object groupState) throws IllegalAccessException {
        return new OriginalGroupState((int[]) inFlight.get(groupState), (long[]) coolUntil.get(groupState), minute,
                (long[]) minuteRequests.get(groupState), (long[]) minuteTokens.get(groupState),
                (long[]) latencies.get(groupState), (int[]) latencyCount.get(groupState),
                (int[]) latencyNext.get(groupState), (long[]) failWindowStart.get(groupState),
                (int[]) failCount.get(groupState));
    }

    String id(Object deployment) throws ReflectiveOperationException {
        return (String) id.invoke(deployment);
    }

    /** rpm, tpm, weight of a deployment, -1 where unset (accel-core's {@code FastRouter.UNSET}). */
    long[] limits(Object deployment) throws ReflectiveOperationException {
        return new long[] {orUnset(rpm.invoke(deployment)), orUnset(tpm.invoke(deployment)),
                orUnset(weight.invoke(deployment))};
    }

    private static long orUnset(Object optional) {
        OptionalLong o = (OptionalLong) optional;
        return o.isPresent() ? o.getAsLong() : -1L;
    }

    Object newRoute(Object deployment, long startedAtMillis, long reservedTokens, Object groupState, int index)
            throws Throwable {
        if (this == Primary.SHAPE) {
            return (Object) Primary.NEW_ROUTE.invokeExact(deployment, startedAtMillis, reservedTokens, groupState, index);
        }
        return (Object) newRoute.invokeExact(deployment, startedAtMillis, reservedTokens, groupState, index);
    }

    /** True for the first caller only: the twin's routes use Route.ended as their once-only flag. */
    boolean markEnded(Object route) throws Throwable {
        if (this == Primary.SHAPE) {
            return (boolean) Primary.CAS_ENDED.invokeExact(route, false, true);
        }
        return (boolean) casEnded.invokeExact(route, false, true);
    }

    /**
     * A {@code GroupState} of {@code router} that the router never uses: the twin's routes carry it, so that
     * they are told from the original's routes, and so that an original body reaching one touches nothing real.
     */
    Object newMarkerGroup(Object router, Object[] deployments) throws Throwable {
        return (Object) newGroup.invokeExact(router, (Object) deployments, new SplittableRandom(0));
    }

    Object routeGroup(Object route) throws Throwable {
        if (this == Primary.SHAPE) {
            return (Object) Primary.ROUTE_GROUP.invokeExact(route);
        }
        return (Object) routeGroup.invokeExact(route);
    }

    int routeIndex(Object route) throws Throwable {
        if (this == Primary.SHAPE) {
            return (int) Primary.ROUTE_INDEX.invokeExact(route);
        }
        return (int) routeIndex.invokeExact(route);
    }

    long routeStartedAt(Object route) throws Throwable {
        if (this == Primary.SHAPE) {
            return (long) Primary.ROUTE_STARTED_AT.invokeExact(route);
        }
        return (long) routeStartedAt.invokeExact(route);
    }

    long routeReserved(Object route) throws Throwable {
        if (this == Primary.SHAPE) {
            return (long) Primary.ROUTE_RESERVED.invokeExact(route);
        }
        return (long) routeReserved.invokeExact(route);
    }
}
