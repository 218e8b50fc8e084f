package dev.fastllm.bench.e2e;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway config of a run: the three model groups of {@link Workloads} on the two mocks, and {@code keys}
 * virtual keys {@code k0 ... k<keys-1>} whose limits never refuse (about 10^8 requests and 10^10 tokens a minute),
 * so every request runs the limiter's whole path. One flow-style line per key keeps a million-key file under the
 * gateway's 64 M-character config limit.
 */
public final class ConfigFiles {

    public static final String KEY_PREFIX = "k";

    private ConfigFiles() {
    }

    /** Written once per key count and mock ports (a million keys take a while), reused by every variant of a run. */
    public static Path gatewayConfig(Path dir, int keys, int fastMockPort, int slowMockPort) throws IOException {
        Path file = dir.resolve("gateway-" + keys + "-keys-" + fastMockPort + "-" + slowMockPort + ".yaml");
        if (Files.exists(file)) {
            return file;
        }
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            w.write("model_list:\n");
            deployment(w, Workloads.O200K, "openai/gpt-4o-mini", fastMockPort, "o200k-a");
            deployment(w, Workloads.O200K, "openai/gpt-4o-mini", fastMockPort, "o200k-b");
            deployment(w, Workloads.CL100K, "openai/gpt-3.5-turbo", fastMockPort, "cl100k-a");
            deployment(w, Workloads.STREAM, "openai/gpt-4o-mini", slowMockPort, "stream-a");
            w.write("router_settings:\n  routing_strategy: simple-shuffle\n  num_retries: 0\n");
            w.write("general_settings:\n  master_key: sk-e2e-master\n");
            w.write("virtual_keys:\n");
            StringBuilder line = new StringBuilder(64);
            for (int i = 0; i < keys; i++) {
                line.setLength(0);
                line.append("- {key: ").append(KEY_PREFIX).append(i)
                        .append(", rpm_limit: 99999999, tpm_limit: 9999999999}\n");
                w.append(line);
            }
        }
        Files.move(tmp, file);
        return file;
    }

    private static void deployment(BufferedWriter w, String group, String model, int port, String id) throws IOException {
        w.write("  - model_name: " + group + "\n"
                + "    litellm_params:\n"
                + "      model: " + model + "\n"
                + "      api_base: http://127.0.0.1:" + port + "/v1\n"
                + "      api_key: sk-mock\n"
                + "      max_parallel_requests: 512\n"
                + "      timeout: 60\n"
                + "    model_info:\n"
                + "      id: " + id + "\n"
                + "      max_input_tokens: 128000\n");
    }

    /** Removes the configs of earlier runs (their mocks' ports are gone; a million-key file is 60 MB). */
    public static void deleteGatewayConfigs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.newDirectoryStream(dir, "gateway-*.yaml")) {
            for (Path f : files) {
                Files.delete(f);
            }
        }
    }

    /** One body per line, for wrk's Lua script. */
    public static Path bodies(Path dir, String workload, List<String> bodies) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(workload + ".bodies");
        Files.write(file, bodies, StandardCharsets.UTF_8);
        return file;
    }

    /** The Lua script, copied out of the jar for wrk. */
    public static Path luaScript(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("post.lua");
        try (var in = ConfigFiles.class.getResourceAsStream("/e2e/post.lua")) {
            if (in == null) {
                throw new IOException("/e2e/post.lua missing from the class path");
            }
            Files.write(file, in.readAllBytes());
        }
        return file;
    }
}
