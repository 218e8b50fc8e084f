package dev.fastllm.agent.gateway;

import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.VocabularyPreload;
import dev.fastllm.agent.bootstrap.GatewayTokensBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import net.bytebuddy.asm.Advice;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code gateway.tokens}: {@code PromptTokenCounter.countText(String encodingName, String text)}, the one
 * method every prompt count of the demo gateway goes through, answered by accel-core's exact counter
 * ({@link GatewayTokensFastPath}). Pure: canary draws per call, shadow allowed.
 */
public final class GatewayTokensInstrumentation extends PointInstrumentation {

    static final String TARGET = "dev.fastllm.gateway.tokens.PromptTokenCounter";

    public GatewayTokensInstrumentation() {
        super("gateway.tokens", Component.TOKENS, Kind.PURE, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(new Rewrite(named("countText").and(takesArguments(String.class, String.class))
                .and(returns(int.class)).and(not(isStatic())), "int countText(String, String)",
                CountTextAdvice.class));
    }

    private volatile Point point;

    @Override
    public void bind(Point point) {
        this.point = point;
        GatewayTokensBridge.install(new GatewayTokensFastPath(point));
    }

    /** The gateway counts a prompt at its first request, in either encoding: both are read now unless off. */
    @Override
    public void applied() {
        Point p = point;
        if (p != null && !p.isOff()) {
            VocabularyPreload.start("o200k_base", "cl100k_base");
        }
    }

    /** Inlined into {@code countText}: arguments in, {@code int} out, everything else in the bridge. */
    static final class CountTextAdvice {
        private CountTextAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Argument(0) String encodingName, @Advice.Argument(1) String text,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = GatewayTokensBridge.enter(encodingName, text);
            start = GatewayTokensBridge.originalStart(call);
            return GatewayTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = GatewayTokensBridge.exit(call, start, tokens);
        }
    }
}
