package dev.fastllm.fallback;

/**
 * Receives the sampled latencies of a point, per {@link Path}. The metrics binding installs one backed by
 * Micrometer timers; until then samples go nowhere. Called only for sampled calls, never per call.
 */
public interface LatencySink {

    void record(Path path, long nanos);

    /** Drops every sample. */
    LatencySink NONE = new Discard();

    /** The default sink. */
    final class Discard implements LatencySink {
        private Discard() {
        }

        @Override
        public void record(Path path, long nanos) {
        }
    }
}
