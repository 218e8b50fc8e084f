package dev.fastllm.agent.gateway;

import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.GatewayLimiterBridge;
import dev.fastllm.agent.bootstrap.RateLimitAnswer;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.RateLimitDecision;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.type.TypeDescription;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code gateway.rate-limiter}: every method of the demo gateway's {@code KeyRateLimiter} that reads or
 * writes its state, answered by accel-core's lock-free limiter, one twin per limiter instance
 * ({@link GatewayLimiterFastPath}). Stateful: the canary selects keys, not calls; no shadow.
 */
public final class GatewayLimiterInstrumentation extends PointInstrumentation {

    static final String TARGET = "dev.fastllm.gateway.limits.KeyRateLimiter";
    private static final String LIMITS = "dev.fastllm.gateway.limits.KeyLimits";
    private static final String DECISION = "dev.fastllm.gateway.limits.RateLimitDecision";

    public GatewayLimiterInstrumentation() {
        super("gateway.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(
                new Rewrite(named("tryAcquire").and(takesArguments(4)).and(takesArgument(0, String.class))
                        .and(takesArgument(1, named(LIMITS))).and(takesArgument(2, long.class))
                        .and(takesArgument(3, long.class)).and(returns(named(DECISION))).and(not(isStatic())),
                        "RateLimitDecision tryAcquire(String, KeyLimits, long, long)", TryAcquireAdvice.class),
                new Rewrite(named("peek").and(takesArguments(3)).and(takesArgument(0, String.class))
                        .and(takesArgument(1, named(LIMITS))).and(takesArgument(2, long.class))
                        .and(returns(named(DECISION))).and(not(isStatic())),
                        "RateLimitDecision peek(String, KeyLimits, long)", PeekAdvice.class),
                new Rewrite(named("reconcile").and(takesArguments(String.class, long.class, long.class, long.class,
                        long.class)).and(returns(void.class)).and(not(isStatic())),
                        "void reconcile(String, long, long, long, long)", ReconcileAdvice.class),
                new Rewrite(named("release").and(takesArguments(String.class)).and(returns(void.class))
                        .and(not(isStatic())), "void release(String)", ReleaseAdvice.class),
                new Rewrite(named("evictIdle").and(takesArguments(long.class)).and(returns(int.class))
                        .and(not(isStatic())), "int evictIdle(long)", EvictIdleAdvice.class),
                new Rewrite(named("trackedKeys").and(takesArguments(0)).and(returns(int.class))
                        .and(not(isStatic())), "int trackedKeys()", TrackedKeysAdvice.class));
    }

    /** The fast path reads the original's window map, {@code windows}, to keep each key with its owner. */
    @Override
    public String unsupportedShape(TypeDescription type) {
        FieldDescription.InDefinedShape windows = type.getDeclaredFields().filter(named("windows")).stream()
                .findFirst().orElse(null);
        if (windows == null || !windows.getType().asErasure().represents(ConcurrentHashMap.class)) {
            return "no field ConcurrentHashMap windows";
        }
        return null;
    }

    @Override
    public void bind(Point point) {
        GatewayLimiterBridge.install(new GatewayLimiterFastPath(point));
    }

    /**
     * {@code tryAcquire}: the twin's answer becomes the target's own record; the exit also ends the call's count
     * in its stripe when the original body ran. No exit on a throw: an exception handler would merge the
     * original's result with null and keep C2 from removing its allocation (the limiter's stripe count bounds
     * what a throwing body leaves, see {@link LimiterTwin}).
     */
    static final class TryAcquireAdvice {
        private TryAcquireAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.FieldValue("windows") Object windows,
                             @Advice.Argument(0) String key, @Advice.Argument(1) KeyLimits limits,
                             @Advice.Argument(2) long reserved, @Advice.Argument(3) long now,
                             @Advice.Local("answer") RateLimitAnswer answer) {
            answer = GatewayLimiterBridge.tryAcquire(self, windows, key, limits.rpm(), limits.tpm(),
                    limits.maxParallel(), reserved, now);
            return GatewayLimiterBridge.answered(answer);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("answer") RateLimitAnswer answer, @Advice.Argument(1) KeyLimits limits,
                         @Advice.Return(readOnly = false) RateLimitDecision decision) {
            decision = GatewayLimiterBridge.answered(answer) ? new RateLimitDecision(answer.allowed, (RateLimitDecision.Limit) answer.refusedBy,
                    answer.retryAfterMillis, limits.rpm(), answer.remainingRequests, limits.tpm(),
                    answer.remainingTokens) : decision;
            GatewayLimiterBridge.done(answer);
        }
    }

    /** {@code peek}: the side holding the key's live state answers. */
    static final class PeekAdvice {
        private PeekAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.FieldValue("windows") Object windows,
                             @Advice.Argument(0) String key, @Advice.Argument(1) KeyLimits limits,
                             @Advice.Argument(2) long now, @Advice.Local("answer") RateLimitAnswer answer) {
            answer = GatewayLimiterBridge.peek(self, windows, key, limits.rpm(), limits.tpm(), limits.maxParallel(), now);
            return GatewayLimiterBridge.answered(answer);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("answer") RateLimitAnswer answer, @Advice.Argument(1) KeyLimits limits,
                         @Advice.Return(readOnly = false) RateLimitDecision decision) {
            decision = GatewayLimiterBridge.answered(answer) ? new RateLimitDecision(answer.allowed, (RateLimitDecision.Limit) answer.refusedBy,
                    answer.retryAfterMillis, limits.rpm(), answer.remainingRequests, limits.tpm(),
                    answer.remainingTokens) : decision;
        }
    }

    /** {@code reconcile}: the twin's current window takes it; otherwise the original's (a no-op if over). */
    static final class ReconcileAdvice {
        private ReconcileAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String key, @Advice.Argument(1) long reserved,
                             @Advice.Argument(2) long actual, @Advice.Argument(3) long acquiredAt,
                             @Advice.Argument(4) long now) {
            return GatewayLimiterBridge.reconcile(self, key, reserved, actual, acquiredAt, now);
        }
    }

    /** {@code release}: a slot the twin holds for the key is freed there; otherwise the original frees its own. */
    static final class ReleaseAdvice {
        private ReleaseAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String key) {
            return GatewayLimiterBridge.release(self, key);
        }
    }

    /** {@code evictIdle}: both sides evict; the count is their sum. */
    static final class EvictIdleAdvice {
        private EvictIdleAdvice() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Argument(0) long now,
                         @Advice.Return(readOnly = false) int removed) {
            removed = removed + GatewayLimiterBridge.evictIdle(self, now);
        }
    }

    /** {@code trackedKeys}: keys with state on either side. */
    static final class TrackedKeysAdvice {
        private TrackedKeysAdvice() {
        }

        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Return(readOnly = false) int tracked) {
            tracked = GatewayLimiterBridge.trackedKeys(self, tracked);
        }
    }
}
