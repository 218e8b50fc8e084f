package dev.fastllm.fallback;

import dev.fastllm.fallback.settings.Settings;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** Run by {@link RuntimeTest} in a child JVM where the fallback classes come from the bootstrap loader. */
public final class BootstrapProbe {

    private BootstrapProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (Point.class.getClassLoader() != null) {
            throw new AssertionError("Point was not loaded by the bootstrap loader");
        }
        Thread.currentThread().setContextClassLoader(null);
        Point p = Points.global().declare("probe.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        try (FallbackRuntime r = FallbackRuntime.start(Points.global(),
                Settings.load("tokens=on,metrics.port=0", null, null, Warnings.STDERR), Warnings.STDERR)) {
            r.registerMBeans(null);
            javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            javax.management.ObjectName name = dev.fastllm.fallback.jmx.PointMBeans.objectName("probe.tokens");
            if (!"on".equals(server.getAttribute(name, "Flag"))) {
                throw new AssertionError("MBean not readable");
            }
            int n = p.callInt("abc", String::length, s -> -1);
            if (n != 3 || p.calls(Path.FAST) != 1) {
                throw new AssertionError("dispatch failed");
            }
            String body;
            try (InputStream in = new URL("http://127.0.0.1:" + r.endpoint().port() + "/metrics").openStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!body.contains("fastllm_calls_total{component=\"tokens\",path=\"fast\",point=\"probe.tokens\"} 1.0")) {
                throw new AssertionError(body);
            }
            for (String line : r.statusLines()) {
                System.out.println(line);
            }
        }
        System.out.println("PROBE OK");
    }
}
