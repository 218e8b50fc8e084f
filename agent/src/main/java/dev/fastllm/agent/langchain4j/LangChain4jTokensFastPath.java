package dev.fastllm.agent.langchain4j;

import dev.fastllm.agent.IntCalls;
import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.agent.bootstrap.LangChain4jTokensBridge;
import dev.fastllm.agent.twin.TwinTable;
import dev.fastllm.fallback.Point;

import static dev.fastllm.agent.bootstrap.LangChain4jTokensBridge.MESSAGE;
import static dev.fastllm.agent.bootstrap.LangChain4jTokensBridge.MESSAGES;
import static dev.fastllm.agent.bootstrap.LangChain4jTokensBridge.TEXT;

/**
 * The fast path of {@code langchain4j.tokens}: {@link EstimatorTwin} answers each estimator's text, message and
 * message-list counts with the original's arithmetic over accel-core's counts, remembered per text
 * ({@link TextCounts}), so a chat memory's recount of an unchanged history costs a lookup per message. Twins are
 * kept per estimator instance in a {@link TwinTable} (weak keys, no lock on reads), made on the instance's first
 * fast decision.
 *
 * <p>Follows fallback's explicit dispatch: decide, inject a fault, run, report; a Throwable of the fast path
 * becomes a fallback to the original on the same call. Never throws to the bridge.
 */
final class LangChain4jTokensFastPath implements LangChain4jTokensBridge.Handle {

    private final Point point;
    private final TwinTable<EstimatorTwin> twins = new TwinTable<>();
    /** Setting {@code identify=background}: an estimator whose encoding is not yet identified declines meanwhile. */
    private final boolean identifyAside;

    /** With {@code identify=first-call}: an estimator's first call identifies its encoding. */
    LangChain4jTokensFastPath(Point point) {
        this(point, false);
    }

    LangChain4jTokensFastPath(Point point, boolean identifyAside) {
        this.point = point;
        this.identifyAside = identifyAside;
    }

    @Override
    public long enter(int method, Object estimator, Object argument) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return CallState.original(d);
        }
        long t0 = IntCalls.start(point, d);
        try {
            point.injectFault();
            return IntCalls.computed(point, d, t0, count(twin(estimator), method, argument));
        } catch (Throwable t) {
            return IntCalls.failed(point, d, t);
        }
    }

    /**
     * The estimator's twin: one lookup after its first call; {@link EstimatorTwin#PENDING} (not kept) while its
     * encoding is identified aside.
     */
    EstimatorTwin twin(Object estimator) {
        EstimatorTwin t = twins.get(estimator);
        if (t != null) {
            return t;
        }
        if (identifyAside && !EstimatorTwin.encodingKnown(estimator)) {
            return EstimatorTwin.PENDING;
        }
        return twins.computeIfAbsent(estimator, EstimatorTwin::identify);
    }

    /** The count of {@code method} with its argument, or {@link Point#DECLINE_INT}. */
    static int count(EstimatorTwin twin, int method, Object argument) throws Throwable {
        switch (method) {
            case TEXT:
                return twin.text((String) argument);
            case MESSAGE:
                return twin.message(argument);
            case MESSAGES:
                return twin.messages(argument);
            default:
                return Point.DECLINE_INT;
        }
    }

    @Override
    public int exit(long call, long startNanos, int originalAnswer) {
        return IntCalls.originalDone(point, call, startNanos, originalAnswer);
    }
}
