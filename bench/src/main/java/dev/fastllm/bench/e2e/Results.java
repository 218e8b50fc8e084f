package dev.fastllm.bench.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything one run measured, in the order measured; the report and the charts read only this. */
public final class Results {

    /**
     * A saturation run (wrk): requests per second, requests completed, answers outside 2xx plus socket errors, and
     * CPU seconds used during it by the gateway, the mocks and wrk.
     */
    public record Saturation(double rps, long requests, long errors, double seconds, double gatewayCpu, double mockCpu,
                             double wrkCpu) {
        /** Gateway CPU seconds per 1 000 requests. */
        public double cpuPerThousand() {
            return requests == 0 ? Double.NaN : gatewayCpu / requests * 1_000;
        }
    }

    /**
     * A constant-rate run: the rate, client latency p50/p99/p99.9 in ms, the gateway's {@code x-gateway-overhead-ms}
     * p50/p99/p99.9, requests recorded, errors, and CPU seconds of the load generator, the gateway and the mocks.
     */
    public record Rate(double rate, double[] latencyMs, double[] headerOverheadMs, long recorded, long errors,
                       double seconds, double loadCpu, double gatewayCpu, double mockCpu) {
    }

    /** One workload against one gateway process. */
    public record Row(String variant, int keys, String heap, String workload, Saturation saturation, Rate rate) {
    }

    /**
     * One gateway process: start-up to its first answered request, peak RSS, heap after a full GC once its first
     * request was answered and again after all its workloads, and how many requests it was sent (an upper bound of
     * the keys it touched).
     */
    public record Process(String variant, int keys, String heap, double startupMs, double peakRssMb,
                          double heapAtStartMb, double heapAtEndMb, long requestsSent) {
    }

    /** A JFR profile of one workload on one variant ({@link HotPaths}). */
    public record Profiled(String variant, String workload, HotPaths.Profile profile) {
    }

    public static final double[] PERCENTILES = {50, 99, 99.9};

    public final List<Row> rows = new ArrayList<>();
    public final List<Process> processes = new ArrayList<>();
    public final List<Profiled> profiles = new ArrayList<>();
    /** Workload name to the same constant-rate run sent straight to the mock, no gateway in between. */
    public final Map<String, Rate> direct = new LinkedHashMap<>();
    /** The agent's start lines: point to status. */
    public final Map<String, String> points = new LinkedHashMap<>();
    public final List<String> notes = new ArrayList<>();

    /** Latency percentiles in ms from microsecond samples. */
    static double[] millis(Percentiles micros) {
        double[] out = new double[PERCENTILES.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = micros.at(PERCENTILES[i]) / 1_000.0;
        }
        return out;
    }

    static double[] plain(Percentiles values) {
        double[] out = new double[PERCENTILES.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.at(PERCENTILES[i]);
        }
        return out;
    }
}
