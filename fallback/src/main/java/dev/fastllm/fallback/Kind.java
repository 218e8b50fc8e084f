package dev.fastllm.fallback;

/**
 * Whether a point's target is a pure function of its inputs or keeps state per instance.
 *
 * <p>It decides how a canary selects calls: a {@link #PURE} point draws per call; a {@link #STATEFUL}
 * point selects by key hash so that one key's state is never split between the original and its fast
 * twin. Shadow mode runs both paths, so it is allowed on pure points only.
 */
public enum Kind {
    PURE,
    STATEFUL
}
