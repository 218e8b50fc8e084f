package dev.fastllm.agent.jtokkit;

import com.knuddels.jtokkit.api.Encoding;
import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.JTokkitRegistryBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import net.bytebuddy.asm.Advice;

import java.util.ArrayList;
import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code jtokkit-registry.tokens}: JTokkit's {@code EncodingFactory}, whose static methods build each built-in
 * encoding from its rank file for every new registry ({@code Encodings.newDefaultEncodingRegistry()} builds all
 * five; LangChain4j and Spring AI make registries per estimator or splitter). Answered by
 * {@link JTokkitRegistryFastPath}: one instance of each encoding per JVM. Built and tested against JTokkit 1.1.0;
 * 1.0.0 has no {@code o200kBase()} and is reported and left alone. Pure: canary draws per call, shadow allowed.
 */
public final class JTokkitRegistryInstrumentation extends PointInstrumentation {

    static final String TARGET = "com.knuddels.jtokkit.EncodingFactory";

    public JTokkitRegistryInstrumentation() {
        super("jtokkit-registry.tokens", Component.TOKENS, Kind.PURE, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        List<Rewrite> rewrites = new ArrayList<>();
        for (String method : JTokkitRegistryFastPath.METHODS) {
            rewrites.add(new Rewrite(named(method).and(isStatic()).and(takesArguments(0))
                    .and(returns(named("com.knuddels.jtokkit.api.Encoding"))), "static Encoding " + method + "()",
                    FactoryAdvice.class));
        }
        return rewrites;
    }

    @Override
    public void bind(Point point) {
        JTokkitRegistryBridge.install(new JTokkitRegistryFastPath(point, JTokkitRegistryInstrumentation::countsFast));
    }

    /**
     * Whether a point that answers through JTokkit's encodings with accel-core's vocabularies may run fast
     * ({@code jtokkit.tokens}, or {@code langchain4j.tokens}, whose estimator holds a JTokkit encoding).
     */
    static boolean countsFast() {
        for (String name : new String[] {"jtokkit.tokens", "langchain4j.tokens"}) {
            Point p = Points.global().get(name);
            if (p != null && !p.isOff()) {
                return true;
            }
        }
        return false;
    }

    /** Inlined into each factory method: the class and method name in, the target's {@code Encoding} out. */
    static final class FactoryAdvice {
        private FactoryAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.Origin Class<?> factory, @Advice.Origin("#m") String method,
                             @Advice.Local("call") Object call) {
            call = JTokkitRegistryBridge.enter(factory, method);
            return JTokkitRegistryBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") Object call, @Advice.Return(readOnly = false) Encoding encoding) {
            encoding = (Encoding) JTokkitRegistryBridge.exit(call, encoding);
        }
    }
}
