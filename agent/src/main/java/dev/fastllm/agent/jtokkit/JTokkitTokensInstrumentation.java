package dev.fastllm.agent.jtokkit;

import com.knuddels.jtokkit.api.EncodingResult;
import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.JTokkitTokensBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.List;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code jtokkit.tokens}: the counting, encoding and decoding methods of JTokkit's
 * {@code GptBytePairEncoding}, the class (or, for cl100k_base, the superclass) of every encoding JTokkit builds,
 * answered by accel-core for the two encodings it reproduces ({@link JTokkitTokensFastPath}). Five methods are
 * rewritten: the two counts, the two limited encodings and {@code decodeBytes}; {@code encode(String)},
 * {@code encodeOrdinary(String)} and {@code decode} call them, so every public method is answered and each call
 * decided once. Built and tested
 * against JTokkit 1.1.0; a JTokkit whose {@code EncodingResult} has no {@code getLastProcessedCharacterIndex}
 * (1.0.0 and older) or whose encoding lacks the fields the identification reads is reported and left alone.
 * Pure: canary draws per call, shadow allowed.
 */
public final class JTokkitTokensInstrumentation extends PointInstrumentation {

    static final String TARGET = JTokkitEncodings.GPT_BPE;
    private static final String LIST = JTokkitTypes.INT_ARRAY_LIST;
    private static final String RESULT = JTokkitTypes.ENCODING_RESULT;

    public JTokkitTokensInstrumentation() {
        super("jtokkit.tokens", Component.TOKENS, Kind.PURE, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(
                rewrite("countTokens", "int countTokens(String)", int.class, CountTokensAdvice.class),
                rewrite("countTokensOrdinary", "int countTokensOrdinary(String)", int.class,
                        CountTokensOrdinaryAdvice.class),
                limited("encode", "EncodingResult encode(String, int)", EncodeAdvice.class),
                limited("encodeOrdinary", "EncodingResult encodeOrdinary(String, int)", EncodeOrdinaryAdvice.class),
                new Rewrite(instance("decodeBytes").and(takesArguments(1)).and(takesArgument(0, named(LIST)))
                        .and(returns(byte[].class)), "byte[] decodeBytes(IntArrayList)", DecodeBytesAdvice.class));
    }

    private static Rewrite rewrite(String name, String shape, Class<?> returned, Class<?> advice) {
        return new Rewrite(instance(name).and(takesArguments(String.class)).and(returns(returned)), shape, advice);
    }

    private static Rewrite limited(String name, String shape, Class<?> advice) {
        return new Rewrite(instance(name).and(takesArguments(String.class, int.class)).and(returns(named(RESULT))),
                shape, advice);
    }

    private static ElementMatcher.Junction<MethodDescription> instance(String name) {
        return named(name).and(not(isStatic()));
    }

    /** JTokkit 1.1.0's shape beyond the rewritten methods: what the fast path reads and builds. */
    @Override
    public String unsupportedShape(TypeDescription type) {
        for (String field : new String[] {"name", "pattern", "specialEncoder", "encoder"}) {
            if (type.getDeclaredFields().filter(named(field)).isEmpty()) {
                return "no field " + field;
            }
        }
        TypeDescription result = type.getDeclaredMethods().filter(named("encode").and(takesArguments(2)))
                .getOnly().getReturnType().asErasure();
        if (result.getDeclaredMethods().filter(named("getLastProcessedCharacterIndex")).isEmpty()) {
            return "EncodingResult has no getLastProcessedCharacterIndex: JTokkit before 1.1.0";
        }
        return null;
    }

    @Override
    public void bind(Point point) {
        boolean aside = Points.global().currentSettings().identifyInBackground();
        JTokkitTokensBridge.install(new JTokkitTokensFastPath(point, aside));
    }

    // Advice, inlined into the target: arguments in, the target's type out, everything else in the bridge.

    static final class CountTokensAdvice {
        private CountTokensAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String text,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = JTokkitTokensBridge.count(self, text, false);
            start = JTokkitTokensBridge.originalStart(call);
            return JTokkitTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = JTokkitTokensBridge.countExit(call, start, tokens);
        }
    }

    static final class CountTokensOrdinaryAdvice {
        private CountTokensOrdinaryAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String text,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = JTokkitTokensBridge.count(self, text, true);
            start = JTokkitTokensBridge.originalStart(call);
            return JTokkitTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = JTokkitTokensBridge.countExit(call, start, tokens);
        }
    }

    static final class EncodeAdvice {
        private EncodeAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String text,
                             @Advice.Argument(1) int maxTokens, @Advice.Local("call") Object call) {
            call = JTokkitTokensBridge.call(JTokkitTokensBridge.ENCODE, self, text, maxTokens, null);
            return JTokkitTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") Object call,
                         @Advice.Return(readOnly = false) EncodingResult result) {
            result = (EncodingResult) JTokkitTokensBridge.exit(call, result);
        }
    }

    static final class EncodeOrdinaryAdvice {
        private EncodeOrdinaryAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String text,
                             @Advice.Argument(1) int maxTokens, @Advice.Local("call") Object call) {
            call = JTokkitTokensBridge.call(JTokkitTokensBridge.ENCODE_ORDINARY, self, text, maxTokens, null);
            return JTokkitTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") Object call,
                         @Advice.Return(readOnly = false) EncodingResult result) {
            result = (EncodingResult) JTokkitTokensBridge.exit(call, result);
        }
    }

    static final class DecodeBytesAdvice {
        private DecodeBytesAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) Object tokens,
                             @Advice.Local("call") Object call) {
            call = JTokkitTokensBridge.call(JTokkitTokensBridge.DECODE_BYTES, self, null, 0, tokens);
            return JTokkitTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") Object call, @Advice.Return(readOnly = false) byte[] bytes) {
            bytes = (byte[]) JTokkitTokensBridge.exit(call, bytes);
        }
    }
}
