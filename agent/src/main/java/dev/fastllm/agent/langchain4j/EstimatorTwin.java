package dev.fastllm.agent.langchain4j;

import dev.fastllm.agent.jtokkit.JTokkitEncodings;
import dev.fastllm.core.tokens.Tokenizer;
import dev.fastllm.fallback.Point;

import java.lang.reflect.Field;
import java.util.Collection;
import java.util.List;

/**
 * What {@code OpenAiTokenCountEstimator} computes, for one estimator instance: the same per-message arithmetic
 * (LangChain4j 1.0.0 to 1.19.0, identical in every version checked), with each text counted by accel-core
 * through a {@link TextCounts} memo. Every method answers exactly the original's count or
 * {@link Point#DECLINE_INT}, where the original must answer: a message type, content type or tool request the
 * original throws on or reads through Jackson (several tool requests with arguments), a null text (the original
 * hands it to JTokkit), or an {@code Iterable} that is not a {@code Collection} (it might not iterate twice).
 *
 * <p>An instance is made once per estimator ({@link #identify}): only the exact class
 * {@value LangChain4jTokensInstrumentation#TARGET} (a subclass may override the text count the message counts
 * call), with a model name, and an encoding that is JTokkit's real {@code cl100k_base} or {@code o200k_base}
 * ({@link JTokkitEncodings}); every other estimator is {@link #NOT_OURS}. Both fields are final in the
 * estimator, so what is read once stays true.
 */
final class EstimatorTwin {

    /** The twin of every estimator the fast path does not answer for. */
    static final EstimatorTwin NOT_OURS = new EstimatorTwin(null, null, false, false);

    /** One memo per encoding per JVM, each created on first use. */
    private static final class O200k {
        static final TextCounts COUNTS = new TextCounts(Tokenizer.of("o200k_base"), TextCounts.MAX_BYTES);
    }

    private static final class Cl100k {
        static final TextCounts COUNTS = new TextCounts(Tokenizer.of("cl100k_base"), TextCounts.MAX_BYTES);
    }

    final TextCounts counts;
    private final MessageTypes types;
    /** The model name starts with "o": the estimator takes one token off a list of messages. */
    private final boolean oModel;
    /** The model name starts with "o4": two more tokens per AI message. */
    private final boolean o4Model;

    EstimatorTwin(TextCounts counts, MessageTypes types, boolean oModel, boolean o4Model) {
        this.counts = counts;
        this.types = types;
        this.oModel = oModel;
        this.o4Model = o4Model;
    }

    /**
     * What an estimator's calls get while its encoding is identified aside (setting {@code identify=background}):
     * every count declines, so the original answers; never kept, the next call looks again.
     */
    static final EstimatorTwin PENDING = new EstimatorTwin(null, null, false, false);

    /**
     * False while the estimator's encoding is being identified aside ({@link JTokkitEncodings#identifiedAside},
     * which starts that); true once it has a verdict, and for anything {@link #identify} settles without one.
     */
    static boolean encodingKnown(Object estimator) {
        try {
            Class<?> c = estimator.getClass();
            if (!c.getName().equals(LangChain4jTokensInstrumentation.TARGET)) {
                return true;
            }
            Object encoding = read(c, "encoding", estimator);
            return encoding == null || JTokkitEncodings.identifiedAside(encoding);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return true;
        }
    }

    /** The twin of {@code estimator}, or {@link #NOT_OURS}. */
    static EstimatorTwin identify(Object estimator) {
        try {
            Class<?> c = estimator.getClass();
            if (!c.getName().equals(LangChain4jTokensInstrumentation.TARGET)) {
                return NOT_OURS;
            }
            String modelName = (String) read(c, "modelName", estimator);
            Tokenizer tokenizer = JTokkitEncodings.tokenizerOf(read(c, "encoding", estimator));
            if (modelName == null || tokenizer == null) {
                return NOT_OURS;
            }
            TextCounts counts = tokenizer.encodingName().equals("o200k_base") ? O200k.COUNTS
                    : tokenizer.encodingName().equals("cl100k_base") ? Cl100k.COUNTS : null;
            if (counts == null) {
                return NOT_OURS;
            }
            return new EstimatorTwin(counts, MessageTypes.of(c), modelName.startsWith("o"),
                    modelName.startsWith("o4"));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return NOT_OURS;
        }
    }

    private static Object read(Class<?> owner, String field, Object instance) throws ReflectiveOperationException {
        Field f = owner.getDeclaredField(field);
        f.setAccessible(true);
        return f.get(instance);
    }

    /**
     * {@code estimateTokenCountInText}: JTokkit's ordinary count of {@code text}, looked up in the memo but not added
     * to it (a text counted alone is typically a splitter's segment, counted once).
     */
    int text(String text) {
        return counts == null || text == null ? Point.DECLINE_INT : counts.lookUpOrCount(text);
    }

    /** A message's text: JTokkit's ordinary count, remembered. */
    private int remembered(String text) {
        return text == null ? Point.DECLINE_INT : counts.count(text);
    }

    /** {@code estimateTokenCountInMessages}: 3 priming tokens, each message, one token less for "o" models. */
    int messages(Object messages) throws Throwable {
        if (counts == null || !(messages instanceof Collection)) {
            return Point.DECLINE_INT;
        }
        int n = 3;
        for (Object message : (Collection<?>) messages) {
            int m = message(message);
            if (m == Point.DECLINE_INT) {
                return Point.DECLINE_INT;
            }
            n += m;
        }
        return oModel ? n - 1 : n;
    }

    /** {@code estimateTokenCountInMessage}: one token for the role, three per message, then by type. */
    int message(Object message) throws Throwable {
        if (counts == null) {
            return Point.DECLINE_INT;
        }
        int body;
        if (types.system.isInstance(message)) {
            body = remembered(types.systemText(message));
        } else if (types.user.isInstance(message)) {
            body = user(message);
        } else if (types.ai.isInstance(message)) {
            body = ai(message);
        } else if (types.toolResult.isInstance(message)) {
            body = remembered(types.toolResultText(message));
        } else {
            return Point.DECLINE_INT; // the original throws "Unknown message type"
        }
        return body == Point.DECLINE_INT ? Point.DECLINE_INT : 4 + body;
    }

    /** Each text content, then one token and the name's count when the message has a name. */
    private int user(Object message) throws Throwable {
        int n = 0;
        for (Object content : types.userContents(message)) {
            if (!types.textContent.isInstance(content)) {
                return Point.DECLINE_INT; // the original throws "Unknown content type"
            }
            int t = remembered(types.contentText(content));
            if (t == Point.DECLINE_INT) {
                return Point.DECLINE_INT;
            }
            n += t;
        }
        String name = types.userName(message);
        if (name != null) {
            int t = remembered(name);
            return t == Point.DECLINE_INT ? Point.DECLINE_INT : n + 1 + t;
        }
        return n;
    }

    /** The text if any, the tool requests as the original weighs them, two more tokens for "o4" models. */
    private int ai(Object message) throws Throwable {
        int n = 0;
        String text = types.aiText(message);
        if (text != null) {
            n += counts.count(text);
        }
        if (types.aiHasRequests(message)) {
            int r = requests(types.aiRequests(message));
            if (r == Point.DECLINE_INT) {
                return Point.DECLINE_INT;
            }
            n += r;
        }
        return o4Model ? n + 2 : n;
    }

    /**
     * One request: 5, twice its name, its arguments. Several: 21, then 7 and the name per request; a request with
     * non-blank arguments declines (the original counts the entries of their JSON as Jackson reads them).
     */
    private int requests(List<?> requests) throws Throwable {
        if (requests.size() == 1) {
            Object request = requests.get(0);
            int name = remembered(types.requestName(request));
            int arguments = name == Point.DECLINE_INT ? Point.DECLINE_INT : remembered(types.requestArguments(request));
            return arguments == Point.DECLINE_INT ? Point.DECLINE_INT : 5 + name * 2 + arguments;
        }
        int n = 21;
        for (Object request : requests) {
            String arguments = types.requestArguments(request);
            int name = remembered(types.requestName(request));
            if (name == Point.DECLINE_INT || !(arguments == null || arguments.trim().isEmpty())) {
                return Point.DECLINE_INT;
            }
            n += 7 + name;
        }
        return n;
    }
}
