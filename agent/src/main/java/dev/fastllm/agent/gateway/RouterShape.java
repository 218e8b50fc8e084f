package dev.fastllm.agent.gateway;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How the fast path reaches into one loaded {@code Router} class (whatever class loader defined it): its
 * private fields, read once when a twin is made, and the two handles used per call, {@code Route}'s
 * package-private constructor (a twin's pick answers with the gateway's own {@code Route}) and its
 * {@code ended} flag (set when the twin ends its route, so that a second {@code onEnd} reaching the
 * original's body is a no-op there as it is in the original). Never calls a method of the router itself
 * (they are rewritten).
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
    private final Method id;
    private final Method rpm;
    private final Method tpm;
    private final Method weight;
    /** {@code (Deployment, long, long, GroupState, int) -> Route}, typed over Object. */
    private final MethodHandle newRoute;
    /** {@code (Route, boolean) -> void}: Route.ended. */
    private final MethodHandle setEnded;

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
        Class<?> deployment = deployments.getType().getComponentType();
        id = deployment.getMethod("id");
        rpm = deployment.getMethod("rpm");
        tpm = deployment.getMethod("tpm");
        weight = deployment.getMethod("weight");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(route, MethodHandles.lookup());
        newRoute = lookup.findConstructor(route, MethodType.methodType(void.class, deployment, long.class, long.class,
                        group, int.class))
                .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class, Object.class, int.class));
        setEnded = lookup.findSetter(route, "ended", boolean.class)
                .asType(MethodType.methodType(void.class, Object.class, boolean.class));
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

    /** The original group's in-flight counts: read only under the group's monitor. */
    int[] inFlight(Object groupState) throws IllegalAccessException {
        return (int[]) inFlight.get(groupState);
    }

    /** The original group's cooldown ends: read only under the group's monitor. */
    long[] coolUntil(Object groupState) throws IllegalAccessException {
        return (long[]) coolUntil.get(groupState);
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
        return (Object) newRoute.invokeExact(deployment, startedAtMillis, reservedTokens, groupState, index);
    }

    void markEnded(Object route) throws Throwable {
        setEnded.invokeExact(route, true);
    }
}
