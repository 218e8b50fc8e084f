package dev.fastllm.agent;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM for the agent's tests: the real {@code fast-llm-agent.jar} (built by this module's package
 * phase) and the real {@code demo-gateway.jar}, on the running JDK or another one. Output goes to files under
 * {@code target/child-jvms/} so that a failing test can show it.
 */
final class ChildJvm implements AutoCloseable {

    static final Path AGENT_JAR = Path.of(required("agent.jar"));
    static final Path GATEWAY_JAR = Path.of(required("gateway.jar"));
    static final Path TEST_APPS = Path.of(required("test-apps.dir"));
    static final Path CURRENT_JAVA_HOME = Path.of(System.getProperty("java.home"));
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    private static final Path LOGS = Path.of("target", "child-jvms");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final Process process;
    private final Path out;
    private final Path err;

    private ChildJvm(String name, Process process, Path out, Path err) {
        this.name = name;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("system property " + property + " is not set (run through Maven)");
        }
        return v;
    }

    /** What to start. */
    static final class Spec {
        private Path javaHome = CURRENT_JAVA_HOME;
        private String agentArgs;
        private boolean agent;
        private final List<String> jvmArgs = new ArrayList<>();
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();

        Spec javaHome(Path home) {
            javaHome = home;
            return this;
        }

        /** Adds {@code -javaagent:fast-llm-agent.jar[=args]}; null args for none. */
        Spec agent(String args) {
            agent = true;
            agentArgs = args;
            return this;
        }

        Spec jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        Spec env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /** {@code -jar jar args...}. */
        Spec jar(Path jar, String... args) {
            command.add("-jar");
            command.add(jar.toString());
            command.addAll(List.of(args));
            return this;
        }

        /** {@code -cp classpath mainClass args...}. */
        Spec main(List<Path> classpath, String mainClass, String... args) {
            StringBuilder cp = new StringBuilder();
            for (Path p : classpath) {
                if (cp.length() > 0) {
                    cp.append(File.pathSeparatorChar);
                }
                cp.append(p);
            }
            command.add("-cp");
            command.add(cp.toString());
            command.add(mainClass);
            command.addAll(List.of(args));
            return this;
        }

        ChildJvm start(String name) throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(javaHome.resolve("bin").resolve("java").toString());
            cmd.add("-Xmx256m");
            cmd.add("-XX:TieredStopAtLevel=1");
            if (agent) {
                cmd.add("-javaagent:" + AGENT_JAR + (agentArgs == null ? "" : "=" + agentArgs));
            }
            cmd.addAll(jvmArgs);
            cmd.addAll(command);
            Files.createDirectories(LOGS);
            String id = name + "-" + SEQUENCE.incrementAndGet();
            Path out = LOGS.resolve(id + ".out");
            Path err = LOGS.resolve(id + ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("FAST_LLM_") || k.startsWith("JAVA_TOOL_OPTIONS")
                    || k.equals("JDK_JAVA_OPTIONS"));
            pb.environment().putAll(env);
            Files.writeString(LOGS.resolve(id + ".cmd"), String.join(" ", cmd) + "\n" + env + "\n");
            return new ChildJvm(id, pb.start(), out, err);
        }
    }

    static Spec spec() {
        return new Spec();
    }

    static boolean jdk25Present() {
        return Files.isExecutable(JDK25.resolve("bin").resolve("java"));
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    String stdout() {
        return read(out);
    }

    String stderr() {
        return read(err);
    }

    /** Lines of standard error starting with {@code [fast-llm]}. */
    List<String> agentLines() {
        List<String> lines = new ArrayList<>();
        for (String l : stderr().split("\n")) {
            if (l.startsWith("[fast-llm]")) {
                lines.add(l);
            }
        }
        return lines;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "<unreadable: " + e + ">";
        }
    }

    /** Waits until standard error contains {@code text}; fails with both outputs otherwise. */
    void awaitStderr(String text, long timeoutMillis) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!stderr().contains(text)) {
            if (System.currentTimeMillis() > end || !process.isAlive()) {
                throw new AssertionError("no '" + text + "' from " + describe());
            }
            Thread.sleep(50);
        }
    }

    /** Waits for the process to exit and returns its status. */
    int awaitExit(long timeoutMillis) throws InterruptedException {
        if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("did not exit in time: " + describe());
        }
        return process.exitValue();
    }

    /** Name, exit state and both outputs, for assertion messages. */
    String describe() {
        return name + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")")
                + "\n--- stdout\n" + stdout() + "\n--- stderr\n" + stderr();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /**
     * Runs {@code app}, a main class of the test classes, with the gateway jar on its class path, to its end
     * (exit 0 asserted); the finished child, whose output stays readable.
     */
    static ChildJvm runGatewayApp(Spec spec, String name, Class<?> app, String... args) throws Exception {
        try (ChildJvm jvm = spec.main(List.of(IsolationJvmTest.TEST_CLASSES, GATEWAY_JAR), app.getName(), args)
                .start(name)) {
            if (jvm.awaitExit(60_000) != 0) {
                throw new AssertionError("exit " + jvm.process.exitValue() + ": " + jvm.describe());
            }
            return jvm;
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
