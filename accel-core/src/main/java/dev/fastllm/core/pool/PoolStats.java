package dev.fastllm.core.pool;

/**
 * A view of a {@link FastPool}: the same fields as the gateway pool's {@code Stats}. Exact when no call is in
 * progress; under concurrent calls each count is read separately and may be a moment apart from the others.
 *
 * @param leased     connections handed out and not yet released
 * @param idle       connections parked for reuse
 * @param connecting connections being opened
 * @param pending    requests waiting for a connection (those that gave up are not counted)
 * @param max        the connection limit
 * @param opened     connections opened since the start
 * @param closed     connections closed since the start
 */
public record PoolStats(int leased, int idle, int connecting, int pending, int max, long opened, long closed) {

    /** Leased, idle and connecting together. */
    public int total() {
        return leased + idle + connecting;
    }
}
