package dev.fastllm.agent.jtokkit;

import dev.fastllm.agent.IntCalls;
import dev.fastllm.agent.bootstrap.CallState;
import dev.fastllm.agent.bootstrap.JTokkitTokensBridge;
import dev.fastllm.agent.bootstrap.PendingCall;
import dev.fastllm.core.tokens.EncodedText;
import dev.fastllm.core.tokens.Tokenizer;
import dev.fastllm.fallback.Point;

import java.util.Arrays;

import static dev.fastllm.agent.bootstrap.JTokkitTokensBridge.DECODE_BYTES;
import static dev.fastllm.agent.bootstrap.JTokkitTokensBridge.ENCODE;
import static dev.fastllm.agent.bootstrap.JTokkitTokensBridge.ENCODE_ORDINARY;

/**
 * The fast path of {@code jtokkit.tokens}: accel-core's {@link Tokenizer} answers JTokkit's
 * {@code cl100k_base} and {@code o200k_base} instances ({@link JTokkitEncodings} says which those are), with
 * JTokkit's own result types ({@link JTokkitTypes}). Counts of texts of {@link JTokkitEncodings#MEMO_MIN_CHARS}
 * chars or more are remembered, up to {@link JTokkitEncodings#MEMO_MAX_CHARS} chars per encoding (as the demo
 * gateway's point does): exact by construction, and a recount of an unchanged chat history costs lookups.
 * {@code encode(String)}, {@code encodeOrdinary(String)}
 * and {@code decode} are answered through the methods they call ({@code encode(String, int)} with no limit,
 * {@code decodeBytes}), so each public call is decided once. It declines, so that the original answers, for
 * every other encoding and wherever JTokkit's answer is an exception: special-token text given to
 * {@code encode} or {@code countTokens}, null text to the encode methods (JTokkit answers its own empty
 * result), a null or unknown-id list to {@code decodeBytes}, and a list of a class other than JTokkit's own.
 *
 * <p>Follows fallback's explicit dispatch: decide, inject a fault, run, report; a Throwable of the fast path
 * becomes a fallback to the original on the same call. Never throws to the bridge.
 */
final class JTokkitTokensFastPath implements JTokkitTokensBridge.Handle {

    private final Point point;
    private final JTokkitEncodings encodings = JTokkitEncodings.SHARED;
    /** Setting {@code identify=background}: an encoding not yet identified declines, and is identified aside. */
    private final boolean identifyAside;

    /** With {@code identify=first-call}: an encoding's first call identifies it. */
    JTokkitTokensFastPath(Point point) {
        this(point, false);
    }

    JTokkitTokensFastPath(Point point, boolean identifyAside) {
        this.point = point;
        this.identifyAside = identifyAside;
    }

    /** The verdict for {@code encoding}, or {@link JTokkitEncodings#PENDING} (declines) while it is identified aside. */
    private JTokkitEncodings.Known known(Object encoding) {
        return identifyAside ? encodings.ready(encoding) : encodings.of(encoding);
    }

    // ------------------------------------------------------------------ counts

    @Override
    public long count(Object encoding, String text, boolean ordinary) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return CallState.original(d);
        }
        long t0 = IntCalls.start(point, d);
        try {
            point.injectFault();
            return IntCalls.computed(point, d, t0, count(known(encoding), text, ordinary));
        } catch (Throwable t) {
            return IntCalls.failed(point, d, t);
        }
    }

    /** The count, or {@link Point#DECLINE_INT} where the original must answer. */
    static int count(JTokkitEncodings.Known known, String text, boolean ordinary) {
        Tokenizer tokenizer = known.tokenizer;
        if (tokenizer == null) {
            return Point.DECLINE_INT;
        }
        if (text == null) {
            return 0;
        }
        if (!ordinary && tokenizer.containsSpecialToken(text)) {
            return Point.DECLINE_INT;
        }
        // without special tokens countTokens is countTokensOrdinary; long texts are often counted again (a chat
        // memory recounts its whole window on every message), so their counts are remembered
        return text.length() >= JTokkitEncodings.MEMO_MIN_CHARS ? known.memo.count(text) : tokenizer.count(text);
    }

    @Override
    public int countExit(long call, long startNanos, int originalAnswer) {
        return IntCalls.originalDone(point, call, startNanos, originalAnswer);
    }

    // ------------------------------------------------------------------ ids and bytes

    @Override
    public Object call(int method, Object encoding, String text, int maxTokens, Object tokens) {
        int d = point.decide();
        if (Point.isOriginal(d)) {
            return pending(d, method, null, null);
        }
        boolean fast = Point.isFast(d);
        long t0 = fast ? point.startTime(d) : 0L;
        try {
            point.injectFault();
            JTokkitEncodings.Known known = known(encoding);
            Object answer = answer(method, known, text, maxTokens, tokens);
            if (answer != null) {
                if (fast) {
                    Object result = toJTokkit(method, known.types, answer);
                    point.fastAnswered(d, t0);
                    return result;
                }
                return pending(d, method, answer, known.types);
            }
            declined(d, fast);
        } catch (Throwable t) {
            failed(d, fast, t);
        }
        return pending(d, method, null, null);
    }

    /** What the original needs after it ran: nothing (null) unless its latency is sampled or it is compared. */
    private PendingCall pending(int d, int method, Object shadowAnswer, JTokkitTypes types) {
        if (shadowAnswer == null && !Point.isTimed(d)) {
            return null;
        }
        return new PendingCall(d, method, point.startTime(d), shadowAnswer, types);
    }

    /**
     * The answer in JDK types ({@link EncodedText} or {@code byte[]}), or null where the original must answer.
     */
    static Object answer(int method, JTokkitEncodings.Known known, String text, int maxTokens, Object tokens)
            throws Throwable {
        Tokenizer tokenizer = known.tokenizer;
        if (tokenizer == null) {
            return null;
        }
        switch (method) {
            case ENCODE:
                return text == null || tokenizer.containsSpecialToken(text) ? null : tokenizer.encode(text, maxTokens);
            case ENCODE_ORDINARY:
                return text == null ? null : tokenizer.encodeOrdinary(text, maxTokens);
            case DECODE_BYTES:
                return decodeBytes(known, tokens);
            default:
                return null;
        }
    }

    private static byte[] decodeBytes(JTokkitEncodings.Known known, Object tokens) throws Throwable {
        if (tokens == null || tokens.getClass() != known.types.listClass) {
            return null;
        }
        int[] ids = known.types.ids(tokens);
        try {
            return known.tokenizer.decodeBytes(ids);
        } catch (NullPointerException unknownId) {
            return null; // JTokkit throws its own NullPointerException for an id it does not know
        }
    }

    private static Object toJTokkit(int method, JTokkitTypes types, Object answer) throws Throwable {
        return method == DECODE_BYTES ? answer : types.result((EncodedText) answer);
    }

    @Override
    public Object exit(PendingCall call, Object originalAnswer) {
        try {
            int d = call.decision;
            if (call.shadowAnswer != null) {
                point.shadowCompared(d, same(call.method, (JTokkitTypes) call.context, call.shadowAnswer,
                        originalAnswer));
            }
            point.originalDone(d, call.startNanos);
        } catch (Throwable ignored) {
            // bookkeeping never changes the original's answer
        }
        return originalAnswer;
    }

    /** Whether the fast answer (JDK types) says what the original's answer (JTokkit's types) says. */
    static boolean same(int method, JTokkitTypes types, Object fast, Object original) throws Throwable {
        if (original == null) {
            return false;
        }
        return method == DECODE_BYTES ? Arrays.equals((byte[]) fast, (byte[]) original)
                : types.sameResult((EncodedText) fast, original);
    }

    private void declined(int d, boolean fast) {
        if (fast) {
            point.fastDeclined(d);
        } else {
            point.shadowDeclined(d);
        }
    }

    private void failed(int d, boolean fast, Throwable t) {
        if (fast) {
            point.fastFailed(d, t);
        } else {
            point.shadowFailed(d, t);
        }
    }
}
