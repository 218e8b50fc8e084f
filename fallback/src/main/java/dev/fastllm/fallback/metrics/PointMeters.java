package dev.fastllm.fallback.metrics;

import dev.fastllm.fallback.BreakerState;
import dev.fastllm.fallback.LatencySink;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes every point's counters to a Micrometer registry. The hot path never touches Micrometer: points
 * count in {@link java.util.concurrent.atomic.LongAdder}s that {@link FunctionCounter}s read at scrape
 * time; only sampled latencies are pushed, into one {@link Timer} per point and path.
 *
 * <p>Meters (Prometheus names in brackets), tagged {@code point} and {@code component}:
 * {@code fastllm.calls} [fastllm_calls_total] by {@code path} = original|fast|fallback|shadow;
 * {@code fastllm.errors} [fastllm_errors_total]; {@code fastllm.declines} [fastllm_declines_total];
 * {@code fastllm.shadow.mismatches} [fastllm_shadow_mismatches_total];
 * {@code fastllm.breaker.state} [fastllm_breaker_state] 0 closed, 1 open, 2 half-open, 3 disabled;
 * {@code fastllm.breaker.transitions} [fastllm_breaker_transitions_total] by {@code to};
 * {@code fastllm.rollout.percent} [fastllm_rollout_percent]; {@code fastllm.latency}
 * [fastllm_latency_seconds_count|sum|max] by {@code path}, sampled.
 */
public final class PointMeters implements Points.Listener {

    private final MeterRegistry registry;

    private PointMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Binds every point of {@code points}, now and as they are declared. */
    public static void bind(MeterRegistry registry, Points points) {
        points.addListener(new PointMeters(registry));
    }

    @Override
    public void declared(Point point) {
        bindPoint(registry, point);
    }

    /** Registers one point's meters and installs its latency timers. */
    public static void bindPoint(MeterRegistry registry, Point point) {
        Tags tags = Tags.of("point", point.name(), "component", point.component().settingName());
        for (Path path : Path.values()) {
            FunctionCounter.builder("fastllm.calls", point, new Reading(Reading.CALLS, path, null))
                    .tags(tags).tag("path", path.text())
                    .description("Calls of the point by the path that answered them")
                    .register(registry);
        }
        FunctionCounter.builder("fastllm.errors", point, new Reading(Reading.ERRORS, null, null))
                .tags(tags).description("Throwables from the fast path (the original answered instead)")
                .register(registry);
        FunctionCounter.builder("fastllm.declines", point, new Reading(Reading.DECLINES, null, null))
                .tags(tags).description("Calls the fast path declined (the original answered instead)")
                .register(registry);
        FunctionCounter.builder("fastllm.shadow.mismatches", point, new Reading(Reading.MISMATCHES, null, null))
                .tags(tags).description("Shadow calls whose fast answer differed from the original's")
                .register(registry);
        Gauge.builder("fastllm.breaker.state", point, new Reading(Reading.BREAKER_STATE, null, null))
                .tags(tags).description("Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 disabled")
                .register(registry);
        for (BreakerState to : BreakerState.values()) {
            FunctionCounter.builder("fastllm.breaker.transitions", point, new Reading(Reading.TRANSITIONS, null, to))
                    .tags(tags).tag("to", to.text())
                    .description("Circuit breaker transitions by target state")
                    .register(registry);
        }
        Gauge.builder("fastllm.rollout.percent", point, new Reading(Reading.PERCENT, null, null))
                .tags(tags).description("Percentage of calls or keys sent to the fast path (or checked in shadow)")
                .register(registry);
        Timer[] timers = new Timer[Path.values().length];
        for (Path path : Path.values()) {
            timers[path.ordinal()] = Timer.builder("fastllm.latency")
                    .tags(tags).tag("path", path.text())
                    .description("Latency of sampled calls by path; the count is of samples, not of calls")
                    .register(registry);
        }
        point.setLatencySink(new TimerSink(timers));
    }

    /** Reads one value of a point; a named class, not a lambda (no invokedynamic in bootstrap-loaded code). */
    static final class Reading implements ToDoubleFunction<Point> {
        static final int CALLS = 0;
        static final int ERRORS = 1;
        static final int DECLINES = 2;
        static final int MISMATCHES = 3;
        static final int BREAKER_STATE = 4;
        static final int TRANSITIONS = 5;
        static final int PERCENT = 6;

        private final int what;
        private final Path path;
        private final BreakerState to;

        Reading(int what, Path path, BreakerState to) {
            this.what = what;
            this.path = path;
            this.to = to;
        }

        @Override
        public double applyAsDouble(Point p) {
            switch (what) {
                case CALLS:
                    return p.calls(path);
                case ERRORS:
                    return p.errors();
                case DECLINES:
                    return p.declines();
                case MISMATCHES:
                    return p.shadowMismatches();
                case BREAKER_STATE:
                    return p.breaker().state().ordinal();
                case TRANSITIONS:
                    return p.breaker().transitionsTo(to);
                default:
                    return p.flag().percent();
            }
        }
    }

    /** Sampled latencies into the point's timers. */
    static final class TimerSink implements LatencySink {
        private final Timer[] timers;

        TimerSink(Timer[] timers) {
            this.timers = timers;
        }

        @Override
        public void record(Path path, long nanos) {
            timers[path.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
