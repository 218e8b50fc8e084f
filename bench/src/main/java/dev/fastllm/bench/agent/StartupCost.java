package dev.fastllm.bench.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the agent costs at start: the demo gateway (built-in config, embedded mock) started again and again,
 * alternately without and with {@code -javaagent:fast-llm-agent.jar} (every point at its default, on). For
 * each start: milliseconds from process start to the first answered chat completion (polled every 5 ms) and the
 * CPU time the process used until then (less sensitive than wall time to a machine shared with other jobs), then,
 * after a full GC ({@code jcmd GC.run}), heap used and metaspace used ({@code jstat -gc}) and resident set size
 * ({@code /proc/<pid>/status}). Prints medians per variant. Run from the repository root after
 * {@code mvn -B -q package -DskipTests}: {@code java -cp bench/target/benchmarks.jar
 * dev.fastllm.bench.agent.StartupCost [rounds]}.
 */
public final class StartupCost {

    static final Path GATEWAY = Path.of("demo-gateway", "target", "demo-gateway.jar");
    static final Path AGENT = Path.of("agent", "target", "fast-llm-agent.jar");
    static final Path JAVA_BIN = Path.of(System.getProperty("java.home"), "bin");
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";

    private StartupCost() {
    }

    /** One start's figures. */
    record Start(double firstRequestMillis, double cpuMillis, double heapMb, double metaspaceMb, double rssMb) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        List<Start> plain = new ArrayList<>();
        List<Start> agent = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            plain.add(start(false));
            agent.add(start(true));
            System.err.printf(java.util.Locale.ROOT, "round %d: plain %s%n         agent %s%n", i + 1, plain.get(i), agent.get(i));
        }
        System.out.printf(java.util.Locale.ROOT, "%d rounds, JDK %s, medians%n", rounds, System.getProperty("java.version"));
        System.out.println("| Variant | first request (ms) | CPU until then (ms) | heap used after GC (MB) | metaspace (MB) | RSS (MB) |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        row("no agent", plain);
        row("agent, every point on", agent);
        System.out.printf(java.util.Locale.ROOT, "| difference | %+.0f | %+.0f | %+.1f | %+.1f | %+.1f |%n",
                median(agent, 0) - median(plain, 0), median(agent, 1) - median(plain, 1),
                median(agent, 2) - median(plain, 2), median(agent, 3) - median(plain, 3),
                median(agent, 4) - median(plain, 4));
    }

    private static void row(String name, List<Start> starts) {
        System.out.printf(java.util.Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.1f | %.1f |%n", name, median(starts, 0), median(starts, 1),
                median(starts, 2), median(starts, 3), median(starts, 4));
    }

    private static double median(List<Start> starts, int field) {
        double[] v = new double[starts.size()];
        for (int i = 0; i < v.length; i++) {
            Start s = starts.get(i);
            v[i] = field == 0 ? s.firstRequestMillis() : field == 1 ? s.cpuMillis() : field == 2 ? s.heapMb()
                    : field == 3 ? s.metaspaceMb() : s.rssMb();
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static Start start(boolean withAgent) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(JAVA_BIN.resolve("java").toString()));
        if (withAgent) {
            cmd.add("-javaagent:" + AGENT);
        }
        cmd.addAll(List.of("-jar", GATEWAY.toString(), "--port", Integer.toString(port)));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest chat = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer sk-demo").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            double firstMillis;
            double cpuMillis;
            while (true) {
                try {
                    if (http.send(chat, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        firstMillis = (System.nanoTime() - t0) / 1e6;
                        cpuMillis = cpuMillis(p.pid());
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (!p.isAlive() || System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException("gateway did not answer: " + cmd);
                }
                Thread.sleep(5);
            }
            run(JAVA_BIN.resolve("jcmd").toString(), Long.toString(p.pid()), "GC.run");
            String[] gc = run(JAVA_BIN.resolve("jstat").toString(), "-gc", Long.toString(p.pid())).trim().split("\n");
            List<String> head = Arrays.asList(gc[0].trim().split("\\s+"));
            String[] val = gc[1].trim().split("\\s+");
            double heapKb = 0;
            for (String col : new String[] {"S0U", "S1U", "EU", "OU"}) {
                heapKb += Double.parseDouble(val[head.indexOf(col)]);
            }
            double metaKb = Double.parseDouble(val[head.indexOf("MU")]);
            double rssKb = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rssKb = Double.parseDouble(line.replaceAll("[^0-9]", ""));
                }
            }
            return new Start(firstMillis, cpuMillis, heapKb / 1024, metaKb / 1024, rssKb / 1024);
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** User plus system CPU time of a process, from /proc/<pid>/stat (clock ticks of 10 ms). */
    private static double cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        }
        return out;
    }
}
