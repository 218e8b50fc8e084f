package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the measurements: each gateway process (one variant, one key count) is first warmed with every workload in
 * turn, then each workload gets a short wrk warm-up, a wrk saturation run and a constant-rate run; the process's start-up, peak RSS and heap after GC are taken around
 * them. The constant rate of a workload is fixed by the first (no-agent) process and reused by every other, so
 * every variant is offered the same load. Prints progress with an estimate of the time left.
 */
final class MatrixRunner {

    private final Plan plan;
    private final Processes processes;
    private final Path lua;
    private final Processes.Started fastMock;
    private final Processes.Started slowMock;
    private final Results results;
    private final Map<String, Double> rates = new HashMap<>();
    private final Map<String, Path> bodyFiles = new HashMap<>();
    private final long startNanos = System.nanoTime();
    private int stepsDone;
    private int stepsTotal;

    MatrixRunner(Plan plan, Processes processes, Path lua, Processes.Started fastMock, Processes.Started slowMock,
                 Results results) {
        this.plan = plan;
        this.processes = processes;
        this.lua = lua;
        this.fastMock = fastMock;
        this.slowMock = slowMock;
        this.results = results;
    }

    /** Announces how many workload runs are planned, for the time-left estimate (the variants are known only later). */
    void planSteps(int steps) {
        stepsTotal = steps;
    }

    void addSteps(int steps) {
        stepsTotal += steps;
    }

    /**
     * One gateway process through {@code workloads}; with {@code profile}, each workload also gets a short
     * saturation run under JFR ({@link HotPaths}). Returns the process's log lines (the agent's start lines among them).
     */
    List<String> run(Variant variant, int keys, List<Workloads.Workload> workloads, boolean profile)
            throws IOException, InterruptedException {
        Path config = ConfigFiles.gatewayConfig(plan.work(), keys, fastMock.port(), slowMock.port());
        String heap = Plan.heapFor(keys);
        String logName = "gateway-" + logSafe(variant.name()) + "-" + keys + "keys";
        Processes.Started gw = processes.gateway(variant, config, heap, logName);
        long sent = 1;
        try {
            double heapStart = ProcFs.heapAfterGcMb(gw.pid());
            for (Workloads.Workload w : workloads) { // every path compiled before any is measured
                sent += WrkRun.run(lua, "http://127.0.0.1:" + gw.port(), "/v1/chat/completions", bodyFile(w), keys,
                        ConfigFiles.KEY_PREFIX, 2, plan.connections(), plan.warmupSeconds(), wrkLog()).summary().requests();
            }
            for (Workloads.Workload w : workloads) {
                progress(variant, keys, w);
                sent += measure(gw, variant, keys, heap, w);
                if (profile) {
                    sent += profile(gw, variant, keys, w);
                }
            }
            double peakRss = ProcFs.statusMb(gw.pid(), "VmHWM");
            double heapEnd = ProcFs.heapAfterGcMb(gw.pid());
            results.processes.add(new Results.Process(variant.name(), keys, heap, gw.startupMs(), peakRss, heapStart,
                    heapEnd, sent));
        } finally {
            Processes.stop(gw);
        }
        return Files.readAllLines(gw.log(), StandardCharsets.UTF_8);
    }

    private long measure(Processes.Started gw, Variant variant, int keys, String heap, Workloads.Workload w)
            throws IOException, InterruptedException {
        String base = "http://127.0.0.1:" + gw.port();
        Path bodies = bodyFile(w);
        Path wrkLog = wrkLog();
        int connections = plan.connections();
        long sent = WrkRun.run(lua, base, "/v1/chat/completions", bodies, keys, ConfigFiles.KEY_PREFIX, 2, connections,
                plan.rateWarmupSeconds(), wrkLog).summary().requests();

        double g0 = ProcFs.cpuSeconds(gw.pid());
        double m0 = mocksCpu();
        WrkRun.Result sat = WrkRun.run(lua, base, "/v1/chat/completions", bodies, keys, ConfigFiles.KEY_PREFIX, 2,
                connections, plan.saturationSeconds(), wrkLog);
        double gatewayCpu = ProcFs.cpuSeconds(gw.pid()) - g0;
        double mockCpu = mocksCpu() - m0;
        WrkRun.Summary s = sat.summary();
        Results.Saturation saturation = new Results.Saturation(s.requestsPerSecond(), s.requests(),
                s.non2xx() + s.socketErrors(), s.seconds(), gatewayCpu, mockCpu, sat.cpuSeconds());
        sent += s.requests();

        double rate = rates.computeIfAbsent(w.name(),
                n -> Math.max(5, Math.min(plan.maxRate(), Math.floor(s.requestsPerSecond() * plan.rateShare()))));
        ConstantRateLoad.Result r = ConstantRateLoad.run(URI.create(base + "/v1/chat/completions"), w.bodies(), keys,
                ConfigFiles.KEY_PREFIX, rate, plan.rateWarmupSeconds(), plan.rateSeconds(), gw.pid(), fastMock.pid(),
                slowMock.pid());
        sent += (long) (rate * (plan.rateWarmupSeconds() + plan.rateSeconds()));
        Results.Rate fixed = new Results.Rate(rate, Results.millis(r.latencyMicros()), Results.plain(r.overheadMillis()),
                r.recorded(), r.non2xx() + r.failed(), r.seconds(), r.cpuSeconds(), r.watchedCpuSeconds()[0],
                r.watchedCpuSeconds()[1] + r.watchedCpuSeconds()[2]);
        results.rows.add(new Results.Row(variant.name(), keys, heap, w.name(), saturation, fixed));
        System.out.printf(Locale.ROOT, "      %.0f req/s at saturation (%d errors), %.3f CPU s per 1000 req; at %.0f req/s:"
                        + " p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%n", saturation.rps(), saturation.errors(),
                saturation.cpuPerThousand(), rate, fixed.latencyMs()[0], fixed.latencyMs()[1], fixed.latencyMs()[2]);
        return sent;
    }

    /** A saturation run of half the usual length under JFR; not counted in any other figure. */
    private long profile(Processes.Started gw, Variant variant, int keys, Workloads.Workload w)
            throws IOException, InterruptedException {
        Path jfr = plan.work().resolve("jfr").resolve(logSafe(variant.name()) + "-" + w.name() + ".jfr");
        Files.createDirectories(jfr.getParent());
        HotPaths.start(gw.pid());
        long requests = WrkRun.run(lua, "http://127.0.0.1:" + gw.port(), "/v1/chat/completions", bodyFile(w), keys,
                ConfigFiles.KEY_PREFIX, 2, plan.connections(), Math.max(1, plan.saturationSeconds() / 2), wrkLog())
                .summary().requests();
        HotPaths.stop(gw.pid(), jfr);
        HotPaths.Profile p = HotPaths.read(jfr);
        results.profiles.add(new Results.Profiled(variant.name(), w.name(), p));
        System.out.printf(Locale.ROOT, "      JFR: %d samples, %s%n", p.samples(), p.shares());
        return requests;
    }

    static String logSafe(String name) {
        return name.replaceAll("[^a-z0-9.-]+", "_");
    }

    private Path bodyFile(Workloads.Workload w) {
        return bodyFiles.computeIfAbsent(w.name(), n -> {
            try {
                return ConfigFiles.bodies(plan.work(), n, w.bodies());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private Path wrkLog() {
        return plan.work().resolve("logs").resolve("wrk.log");
    }

    /**
     * Sends every workload straight to its mock with wrk for the warm-up time, before any gateway runs, so the first
     * variant measured does not pay for the mocks' JIT compilation.
     */
    void warmMocks(List<Workloads.Workload> workloads) throws IOException, InterruptedException {
        for (Workloads.Workload w : workloads) {
            Processes.Started mock = w.slowMock() ? slowMock : fastMock;
            System.out.printf(Locale.ROOT, "  warming the mock with %s%n", w.name());
            WrkRun.run(lua, "http://127.0.0.1:" + mock.port(), "/v1/chat/completions", bodyFile(w), 1, "sk-mock", 2,
                    plan.connections(), plan.warmupSeconds(), wrkLog());
        }
    }

    /** The same constant-rate run straight to the mock, for the client latency the gateway adds. */
    void direct(List<Workloads.Workload> workloads) throws IOException, InterruptedException {
        for (Workloads.Workload w : workloads) {
            Double rate = rates.get(w.name());
            if (rate == null) {
                continue;
            }
            Processes.Started mock = w.slowMock() ? slowMock : fastMock;
            System.out.printf(Locale.ROOT, "  direct to the mock · %s at %.0f req/s%n", w.name(), rate);
            ConstantRateLoad.Result r = ConstantRateLoad.run(
                    URI.create("http://127.0.0.1:" + mock.port() + "/v1/chat/completions"), w.bodies(), 1, "sk-mock",
                    rate, plan.rateWarmupSeconds(), plan.rateSeconds(), fastMock.pid(), slowMock.pid());
            results.direct.put(w.name(), new Results.Rate(rate, Results.millis(r.latencyMicros()), new double[3],
                    r.recorded(), r.non2xx() + r.failed(), r.seconds(), r.cpuSeconds(), 0,
                    r.watchedCpuSeconds()[0] + r.watchedCpuSeconds()[1]));
        }
    }

    private double mocksCpu() throws IOException {
        return ProcFs.cpuSeconds(fastMock.pid()) + ProcFs.cpuSeconds(slowMock.pid());
    }

    private void progress(Variant variant, int keys, Workloads.Workload w) {
        stepsDone++;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        String left = stepsDone > 1
                ? String.format(Locale.ROOT, "about %.1f min left", elapsed / (stepsDone - 1) * (stepsTotal - stepsDone + 1) / 60)
                : "estimating time left";
        System.out.printf(Locale.ROOT, "[%d/%d] %s · %d keys · %s · %s%n", stepsDone, Math.max(stepsDone, stepsTotal),
                variant.name(), keys, w.name(), left);
    }
}
