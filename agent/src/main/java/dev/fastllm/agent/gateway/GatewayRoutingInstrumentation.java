package dev.fastllm.agent.gateway;

import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.GatewayRoutingBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.routing.Route;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code gateway.routing}: every method of the demo gateway's {@code Router} that reads or writes its
 * state ({@code pick}, {@code onEnd}, {@code retryAfterMillis}, {@code inFlight}, {@code isCoolingDown}),
 * redirected to accel-core's {@code FastRouter}, one twin per router ({@link GatewayRoutingFastPath}).
 * {@code strategy()} and {@code hasGroup} read only the configuration, the same in both, and are left alone.
 * Stateful: a canary selects by model group, sticky; no shadow.
 */
public final class GatewayRoutingInstrumentation extends PointInstrumentation {

    static final String TARGET = "dev.fastllm.gateway.routing.Router";
    static final String ROUTE = "dev.fastllm.gateway.routing.Route";

    public GatewayRoutingInstrumentation() {
        super("gateway.routing", Component.ROUTING, Kind.STATEFUL, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(
                new Rewrite(named("pick").and(takesArguments(String.class, long.class, long.class))
                        .and(returns(named(ROUTE))).and(not(isStatic())),
                        "Route pick(String, long, long)", PickAdvice.class),
                new Rewrite(named("onEnd").and(takesArguments(4)).and(returns(boolean.class)).and(not(isStatic())),
                        "boolean onEnd(Route, int, long, long)", OnEndAdvice.class),
                new Rewrite(named("retryAfterMillis").and(takesArguments(String.class, long.class, long.class))
                        .and(returns(long.class)).and(not(isStatic())),
                        "long retryAfterMillis(String, long, long)", RetryAfterAdvice.class),
                new Rewrite(named("inFlight").and(takesArguments(String.class, String.class))
                        .and(returns(int.class)).and(not(isStatic())),
                        "int inFlight(String, String)", InFlightAdvice.class),
                new Rewrite(named("isCoolingDown").and(takesArguments(String.class, String.class, long.class))
                        .and(returns(boolean.class)).and(not(isStatic())),
                        "boolean isCoolingDown(String, String, long)", CoolingDownAdvice.class));
    }

    @Override
    public String unsupportedShape(TypeDescription type) {
        for (String field : RouterShape.ROUTER_FIELDS) {
            if (type.getDeclaredFields().filter(named(field).and(not(isStatic()))).size() != 1) {
                return "no field " + field;
            }
        }
        FieldDescription groups = type.getDeclaredFields().filter(named("groups")).getOnly();
        return groups.getType().asErasure().represents(java.util.Map.class) ? null : "groups is not a Map";
    }

    @Override
    public void bind(Point point) {
        GatewayRoutingBridge.install(new GatewayRoutingFastPath(point));
    }

    /** Inlined into {@code pick}: the twin's route, or the original body (holding the group), or null. */
    static final class PickAdvice {
        private PickAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String group,
                             @Advice.Argument(1) long estimatedTokens, @Advice.Argument(2) long nowMillis,
                             @Advice.Local("call") Object call) {
            call = GatewayRoutingBridge.pick(self, group, estimatedTokens, nowMillis);
            return GatewayRoutingBridge.answered(call);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Local("call") Object call,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object route) {
            route = GatewayRoutingBridge.pickExit(call, route);
        }
    }

    /** Inlined into {@code onEnd}: a twin's route ends in the twin, any other in the original body. */
    static final class OnEndAdvice {
        private OnEndAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static int enter(@Advice.This Object self, @Advice.Argument(0) Route route, @Advice.Argument(1) int status,
                         @Advice.Argument(2) long totalTokens, @Advice.Argument(3) long nowMillis) {
            return GatewayRoutingBridge.end(self, route, route == null ? null : route.deployment().group(), status,
                    totalTokens, nowMillis);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Enter int state, @Advice.Return(readOnly = false) boolean ended) {
            ended = GatewayRoutingBridge.endExit(state, ended);
        }
    }

    /** Inlined into {@code retryAfterMillis}: the group owner's answer. */
    static final class RetryAfterAdvice {
        private RetryAfterAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String group,
                             @Advice.Argument(1) long estimatedTokens, @Advice.Argument(2) long nowMillis,
                             @Advice.Local("answer") long answer) {
            answer = GatewayRoutingBridge.retryAfter(self, group, estimatedTokens, nowMillis);
            return answer != GatewayRoutingBridge.RUN_ORIGINAL;
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("answer") long answer, @Advice.Return(readOnly = false) long millis) {
            millis = GatewayRoutingBridge.retryAfterExit(answer, millis);
        }
    }

    /** Inlined into {@code inFlight}: the original's count plus the twin's. */
    static final class InFlightAdvice {
        private InFlightAdvice() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Argument(0) String group,
                         @Advice.Argument(1) String deploymentId, @Advice.Return(readOnly = false) int count) {
            count = GatewayRoutingBridge.inFlight(self, group, deploymentId, count);
        }
    }

    /** Inlined into {@code isCoolingDown}: cooling in the original or in the twin. */
    static final class CoolingDownAdvice {
        private CoolingDownAdvice() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Argument(0) String group,
                         @Advice.Argument(1) String deploymentId, @Advice.Argument(2) long nowMillis,
                         @Advice.Return(readOnly = false) boolean cooling) {
            cooling = GatewayRoutingBridge.coolingDown(self, group, deploymentId, nowMillis, cooling);
        }
    }
}
