package dev.fastllm.bench.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-to-end report: the demo gateway under load without the agent and with it (every point on, each point
 * alone, every point off), on loopback against the mock provider, then {@code REPORT.md} and charts. Run by
 * {@code bench/run-e2e.sh [--quick]}, which builds the jars if they are missing; arguments in {@link Plan}.
 *
 * <p>The agent's points are read from its start lines in the first agent run, so points added to the agent are
 * measured alone without a change here; a point the design names that the agent does not print is reported as
 * not rewritten by this build.
 */
public final class E2eMain {

    private E2eMain() {
    }

    /** The arguments as a user gives them to {@code bench/run-e2e.sh}, without the {@code --root} the script adds. */
    static String shownArgs(String[] args) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--root")) {
                i++;
            } else {
                shown.add(args[i].contains(" ") ? "'" + args[i] + "'" : args[i]);
            }
        }
        return String.join(" ", shown);
    }

    public static void main(String[] args) throws Exception {
        Plan plan = Plan.fromArgs(args);
        Processes processes = new Processes(plan.root(), plan.work().resolve("logs"));
        for (Path jar : List.of(processes.gatewayJar(), processes.agentJar())) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: run mvn -B -ntp -DskipTests package first");
            }
        }
        if (!WrkRun.available()) {
            throw new IllegalStateException("wrk is not installed: sudo apt-get install -y wrk");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants()
                .forEach(ProcessHandle::destroy), "e2e-stop-children")); // on Ctrl-C, no gateway or mock left behind
        Files.createDirectories(plan.work().resolve("logs"));
        Files.deleteIfExists(plan.work().resolve("logs").resolve("wrk.log"));
        ConfigFiles.deleteGatewayConfigs(plan.work());
        String started = Instant.now().toString();
        String loadAtStart = Machine.loadAverage();
        long t0 = System.nanoTime();
        List<Workloads.Workload> workloads = Workloads.fromClassPath().all(plan.quick());
        if (plan.smoke()) {
            workloads = workloads.subList(0, 1);
        }
        List<Workloads.Workload> chatOnly = workloads.subList(0, 1);
        Results results = new Results();
        System.out.printf(Locale.ROOT, "end-to-end run (%s): %d workloads, %d s warm-up + %d s saturation + %d s at a"
                        + " fixed rate each; gateway heap %s%n", plan.smoke() ? "smoke" : plan.quick() ? "quick" : "full", workloads.size(),
                plan.warmupSeconds(), plan.saturationSeconds(), plan.rateSeconds(), Plan.HEAP);

        Processes.Started fast = processes.mock("mock-fast");
        Processes.Started slow = processes.mock("mock-slow", "--latency-ms", "300", "--stream-chunks", "10",
                "--chunk-delay-ms", "2");
        try {
            MatrixRunner runner = new MatrixRunner(plan, processes, ConfigFiles.luaScript(plan.work()), fast, slow, results);
            runner.planSteps(3 * workloads.size() + 2 * plan.keyCounts().size());
            runner.warmMocks(workloads);
            runner.run(Variant.NO_AGENT, plan.mainKeys(), workloads, true);
            runner.direct(workloads);
            List<String> log = runner.run(Variant.AGENT_ON, plan.mainKeys(), workloads, true);
            Map<String, String> statuses = AgentPoints.statuses(log);
            results.points.putAll(statuses);
            List<String> applied = AgentPoints.applied(statuses);
            List<String> names = AgentPoints.allNames(statuses);
            System.out.println("  agent points: " + statuses);
            List<Variant> more = Variant.afterDiscovery(applied, names);
            List<Workloads.Workload> onePointSet = Workloads.onePointSet(workloads);
            for (Variant v : more) {
                runner.addSteps(v.onePoint() ? onePointSet.size() : workloads.size());
            }
            runner.addSteps(-workloads.size()); // "all off" was counted in the plan
            for (Variant v : more) {
                runner.run(v, plan.mainKeys(), v.onePoint() ? onePointSet : workloads, false);
            }
            runner.addSteps(workloads.size());
            runner.run(Variant.NO_AGENT_AGAIN, plan.mainKeys(), workloads, false);
            List<Variant> keyVariants = new ArrayList<>(List.of(Variant.NO_AGENT, Variant.AGENT_ON));
            if (applied.contains("gateway.rate-limiter") && applied.size() > 1) {
                keyVariants.add(Variant.alone("gateway.rate-limiter", names));
            }
            runner.addSteps((keyVariants.size() - 2) * plan.keyCounts().size());
            for (int keys : plan.keyCounts()) {
                for (Variant v : keyVariants) {
                    runner.run(v, keys, chatOnly, false);
                }
            }
        } finally {
            Processes.stop(fast);
            Processes.stop(slow);
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        Path report = new ReportWriter(plan, results, started, minutes, shownArgs(args), loadAtStart).write();
        System.out.printf(Locale.ROOT, "done in %.1f min: %s%n", minutes, report);
    }
}
