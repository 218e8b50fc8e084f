package dev.fastllm.agent.langchain4j;

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

    LangChain4jTokensFastPath(Point point) {
        this.point = point;
    }

    @Override
    public long enter(int method, Object estimator, Object argument) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return CallState.original(d);
        }
        boolean fast = Point.isFast(d);
        long t0 = fast ? point.startTime(d) : 0L;
        try {
            point.injectFault();
            int n = count(twin(estimator), method, argument);
            if (n != Point.DECLINE_INT) {
                if (fast) {
                    point.fastAnswered(d, t0);
                    return CallState.answered(d, n);
                }
                return CallState.shadow(d, n);
            }
            if (fast) {
                point.fastDeclined(d);
            } else {
                point.shadowDeclined(d);
            }
        } catch (Throwable t) {
            if (fast) {
                point.fastFailed(d, t);
            } else {
                point.shadowFailed(d, t);
            }
        }
        return CallState.original(d);
    }

    /** The estimator's twin: one lookup after its first call. */
    EstimatorTwin twin(Object estimator) {
        EstimatorTwin t = twins.get(estimator);
        return t != null ? t : twins.computeIfAbsent(estimator, EstimatorTwin::identify);
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
        try {
            int d = CallState.decision(call);
            if (CallState.hasShadowAnswer(call)) {
                point.shadowCompared(d, CallState.answer(call) == originalAnswer);
            }
            point.originalDone(d, startNanos);
        } catch (Throwable ignored) {
            // bookkeeping never changes the original's answer
        }
        return originalAnswer;
    }
}
