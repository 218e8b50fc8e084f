package dev.fastllm.agent.bootstrap;

/**
 * The state one rewritten call carries from its enter advice to its exit advice, packed in a {@code long}
 * held in an advice local, so that nothing is allocated per call.
 *
 * <pre>
 * bits  0-31  the fast path's int answer (a fast answer, or a shadow answer to compare)
 * bits 32-39  the point's decision (path, sampled, breaker trial), as fallback's Point returns it
 * bit  40     ANSWERED: the fast path answered, the original body is skipped
 * bit  41     SHADOW_ANSWER: bits 0-31 hold a shadow answer to compare with the original's
 * </pre>
 * Zero means: the original runs and nothing is left to do after it (point off, or not selected and not
 * sampled). The bridge and the isolated part both use these constants.
 */
public final class CallState {

    /** Decision bit "sampled for latency": the same value as fallback's {@code Point.TIMED} (a test checks). */
    public static final int TIMED = 4;

    /** The fast path answered; skip the original body. */
    public static final long ANSWERED = 1L << 40;
    /** The low 32 bits hold a shadow answer. */
    public static final long SHADOW_ANSWER = 1L << 41;

    private CallState() {
    }

    /** A fast answer: skip the original, return {@code answer}. */
    public static long answered(int decision, int answer) {
        return ANSWERED | (long) (decision & 0xFF) << 32 | (answer & 0xFFFF_FFFFL);
    }

    /** The original runs; {@code decision} is kept for the exit (timing, trial). */
    public static long original(int decision) {
        return (long) (decision & 0xFF) << 32;
    }

    /** The original runs; its answer is then compared with {@code shadowAnswer}. */
    public static long shadow(int decision, int shadowAnswer) {
        return SHADOW_ANSWER | (long) (decision & 0xFF) << 32 | (shadowAnswer & 0xFFFF_FFFFL);
    }

    public static boolean isAnswered(long call) {
        return (call & ANSWERED) != 0;
    }

    public static boolean hasShadowAnswer(long call) {
        return (call & SHADOW_ANSWER) != 0;
    }

    /** The decision bits. */
    public static int decision(long call) {
        return (int) (call >>> 32) & 0xFF;
    }

    /** The int answer in the low bits. */
    public static int answer(long call) {
        return (int) call;
    }
}
