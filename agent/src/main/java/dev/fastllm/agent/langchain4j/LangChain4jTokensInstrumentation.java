package dev.fastllm.agent.langchain4j;

import dev.fastllm.agent.PointInstrumentation;
import dev.fastllm.agent.Rewrite;
import dev.fastllm.agent.bootstrap.LangChain4jTokensBridge;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Point {@code langchain4j.tokens}: LangChain4j's {@code OpenAiTokenCountEstimator} — its text, message and
 * message-list counts, answered with the estimator's own arithmetic over accel-core's counts, each text's count
 * remembered ({@link LangChain4jTokensFastPath}). A token-window chat memory recounts its whole history on every
 * message; with this point a recount of unchanged messages is a lookup per message. Built and tested against
 * LangChain4j 1.0.0 and 1.19.0 (the oldest and newest 1.x served here; the counting code is the same in both).
 * The shape checked at load: the fields the twin reads ({@code modelName}, {@code encoding}) and exactly the four
 * private per-type counts of those versions (system, user, AI, tool result), so a version that counts another
 * message type is reported and left alone. Pure: canary draws per call, shadow allowed.
 */
public final class LangChain4jTokensInstrumentation extends PointInstrumentation {

    static final String TARGET = "dev.langchain4j.model.openai.OpenAiTokenCountEstimator";
    private static final String MESSAGE = "dev.langchain4j.data.message.";
    private static final Set<String> PER_TYPE_COUNTS = Set.of(MESSAGE + "AiMessage", MESSAGE + "SystemMessage",
            MESSAGE + "ToolExecutionResultMessage", MESSAGE + "UserMessage");

    public LangChain4jTokensInstrumentation() {
        super("langchain4j.tokens", Component.TOKENS, Kind.PURE, TARGET);
    }

    @Override
    public List<Rewrite> rewrites() {
        return List.of(
                new Rewrite(counting("estimateTokenCountInText").and(takesArguments(String.class)),
                        "int estimateTokenCountInText(String)", TextAdvice.class),
                new Rewrite(counting("estimateTokenCountInMessage").and(takesArguments(1))
                        .and(takesArgument(0, named(MESSAGE + "ChatMessage"))),
                        "int estimateTokenCountInMessage(ChatMessage)", MessageAdvice.class),
                new Rewrite(counting("estimateTokenCountInMessages").and(takesArguments(Iterable.class)),
                        "int estimateTokenCountInMessages(Iterable)", MessagesAdvice.class));
    }

    private static ElementMatcher.Junction<MethodDescription> counting(String name) {
        return named(name).and(not(isStatic())).and(returns(int.class));
    }

    /** LangChain4j 1.0.0-1.19.0's shape beyond the rewritten methods: what the twin reads and reproduces. */
    @Override
    public String unsupportedShape(TypeDescription type) {
        if (type.getDeclaredFields().filter(named("modelName").and(f -> f.getType().asErasure()
                .represents(String.class))).isEmpty()) {
            return "no String field modelName";
        }
        if (type.getDeclaredFields().filter(named("encoding")).isEmpty()) {
            return "no field encoding";
        }
        MethodList<MethodDescription.InDefinedShape> perType = type.getDeclaredMethods()
                .filter(named("estimateTokenCountIn").and(takesArguments(1)));
        Set<String> counted = new TreeSet<>();
        perType.forEach(m -> counted.add(m.getParameters().get(0).getType().asErasure().getName()));
        if (!counted.equals(PER_TYPE_COUNTS)) {
            return "counts message types " + counted + ", not " + new TreeSet<>(PER_TYPE_COUNTS);
        }
        return null;
    }

    @Override
    public void bind(Point point) {
        boolean aside = Points.global().currentSettings().identifyInBackground();
        LangChain4jTokensBridge.install(new LangChain4jTokensFastPath(point, aside));
    }

    // Advice, inlined into the target: arguments in, the count out, everything else in the bridge.

    static final class TextAdvice {
        private TextAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) String text,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = LangChain4jTokensBridge.enter(LangChain4jTokensBridge.TEXT, self, text);
            start = LangChain4jTokensBridge.originalStart(call);
            return LangChain4jTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = LangChain4jTokensBridge.exit(call, start, tokens);
        }
    }

    static final class MessageAdvice {
        private MessageAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) Object message,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = LangChain4jTokensBridge.enter(LangChain4jTokensBridge.MESSAGE, self, message);
            start = LangChain4jTokensBridge.originalStart(call);
            return LangChain4jTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = LangChain4jTokensBridge.exit(call, start, tokens);
        }
    }

    static final class MessagesAdvice {
        private MessagesAdvice() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static boolean enter(@Advice.This Object self, @Advice.Argument(0) Object messages,
                             @Advice.Local("call") long call, @Advice.Local("start") long start) {
            call = LangChain4jTokensBridge.enter(LangChain4jTokensBridge.MESSAGES, self, messages);
            start = LangChain4jTokensBridge.originalStart(call);
            return LangChain4jTokensBridge.answered(call);
        }

        @Advice.OnMethodExit
        static void exit(@Advice.Local("call") long call, @Advice.Local("start") long start,
                         @Advice.Return(readOnly = false) int tokens) {
            tokens = LangChain4jTokensBridge.exit(call, start, tokens);
        }
    }
}
