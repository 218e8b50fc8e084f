package dev.fastllm.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a run happened on, from {@code /proc}: CPU model, cores, memory, kernel, load average. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            List<String> mem = Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.UTF_8);
            memKb = (long) (ProcFs.parseStatusMb(mem, "MemTotal") * 1024);
        } catch (IOException | RuntimeException e) {
            // leave the defaults: the report still names cores and kernel
        }
        return ReportWriter.fmt("%s, %d cores, %.1f GB memory, %s %s", cpu, Runtime.getRuntime().availableProcessors(),
                memKb / 1024.0 / 1024.0, System.getProperty("os.name"), System.getProperty("os.version"));
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
