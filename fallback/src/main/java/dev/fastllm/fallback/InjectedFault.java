package dev.fastllm.fallback;

/**
 * What {@link Point#injectFault()} throws when a point's fault rate ({@code FAST_LLM_FAULTS}) draws it: a
 * deliberate fast-path failure, handled like any other (the original answers, the breaker counts it).
 * No stack trace is filled in: it is expected, and at a rate of 1 it is thrown on every call.
 */
public final class InjectedFault extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InjectedFault(String pointName) {
        super("fault injected into " + pointName + " (FAST_LLM_FAULTS)", null, false, false);
    }
}
