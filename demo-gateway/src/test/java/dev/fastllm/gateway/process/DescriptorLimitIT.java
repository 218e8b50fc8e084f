package dev.fastllm.gateway.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged gateway run as its own process under {@code ulimit -n 160}: clients connect until the
 * process has no descriptor left. The condition is logged once (not a stack trace per accept attempt), the
 * connections already open keep being answered, and once clients leave, new ones are served again.
 */
class DescriptorLimitIT {

    private static final Pattern LISTENING = Pattern.compile("gateway listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final String HEALTH = "GET /health/liveliness HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void atTheDescriptorLimitTheGatewayLogsOnceAndServesAgainWhenDescriptorsFree(@TempDir Path dir) throws Exception {
        String jar = System.getProperty("gateway.jar");
        assertNotNull(jar, "gateway.jar system property (set by the build)");
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "http://127.0.0.1:9/v1"}
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process gateway = new ProcessBuilder("bash", "-c", "ulimit -n 160 && exec \"$0\" -Xmx128m -jar \"$1\" --config \"$2\" --port 0",
                java, jar, config.toString()).redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    output.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "gateway-output");
        reader.setDaemon(true);
        reader.start();
        List<Socket> clients = new ArrayList<>();
        try {
            int port = awaitPort(output);
            int answered = 0;
            int unanswered = 0;
            while (unanswered < 4 && clients.size() < 400) {
                Socket s = new Socket("127.0.0.1", port);
                clients.add(s);
                if (health(s, unanswered == 0 ? 3_000 : 200)) {
                    answered++;
                } else {
                    unanswered++;
                }
            }
            assertEquals(4, unanswered, "the limit was reached after " + answered + " answered connections");
            assertTrue(answered > 50, "most of the 160 descriptors serve clients: " + answered);
            TimeUnit.MILLISECONDS.sleep(1_500); // several more accept attempts fail meanwhile
            for (Socket s : clients.subList(0, 5)) {
                assertTrue(health(s, 3_000), "connections already open are still answered");
            }

            String log = String.join("\n", output);
            assertEquals(1, count(log, "cannot accept new connections"), "logged once:\n" + log);
            assertEquals(1, count(log, "Too many open files"), "no stack trace per failed accept:\n" + log);

            for (Socket s : clients) {
                s.close();
            }
            clients.clear();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean servedAgain = false;
            while (!servedAgain && System.nanoTime() < deadline) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    servedAgain = health(s, 2_000);
                }
            }
            assertTrue(servedAgain, "a new client is served once descriptors are free:\n" + String.join("\n", output));
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            gateway.destroy();
            if (!gateway.waitFor(10, TimeUnit.SECONDS)) {
                gateway.destroyForcibly();
            }
        }
    }

    private static int awaitPort(List<String> output) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (String line : output) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new AssertionError("the gateway did not start:\n" + String.join("\n", output));
    }

    /** Sends a health check on {@code s} and says whether its 200 arrived within {@code timeoutMillis}. */
    private static boolean health(Socket s, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        s.getOutputStream().write(HEALTH.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        byte[] head = new byte[12];
        int read = 0;
        try {
            while (read < head.length) {
                int n = s.getInputStream().read(head, read, head.length - read);
                if (n < 0) {
                    return false;
                }
                read += n;
            }
        } catch (SocketTimeoutException e) {
            return false;
        }
        // drain the rest of this small answer so the next check on the connection starts clean
        s.setSoTimeout(500);
        try {
            byte[] rest = new byte[512];
            int n = s.getInputStream().read(rest);
            assertTrue(n > 0);
        } catch (SocketTimeoutException ignored) {
            // already complete
        }
        return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
