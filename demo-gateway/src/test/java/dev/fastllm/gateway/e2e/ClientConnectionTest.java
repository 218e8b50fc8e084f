package dev.fastllm.gateway.e2e;

import dev.fastllm.gateway.Gateway;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.mock.MockOptions;
import dev.fastllm.gateway.mock.MockProvider;
import dev.fastllm.gateway.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a slow, silent or odd client gets on a raw socket: deadlines for headers, body and keep-alive idle
 * that close the connection (a late body answered 408 first), none while an answer is on its way, a client
 * that takes no answers cut off and logged, and the connection closed after a refused {@code Expect}.
 */
class ClientConnectionTest {

    static MockProvider slowMock;
    static Gateway gateway;
    static final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    static final Logger timeoutsLog = Logger.getLogger("dev.fastllm.gateway.server.ClientTimeouts");
    static final Logger handlerLog = Logger.getLogger("dev.fastllm.gateway.server.ApiHandler");
    /** Answers every request with an 8 MB completion: more than the kernel's socket buffers hold. */
    static ScriptedUpstream bigAnswers;
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void start() throws Exception {
        timeoutsLog.addHandler(capture);
        handlerLog.addHandler(capture);
        String big = ScriptedUpstream.json(200, ScriptedUpstream.completion("x".repeat(8_000_000), 3, 1));
        bigAnswers = new ScriptedUpstream((request, wire) -> wire.write(big));
        // answers take 1.5 s: longer than every client deadline below, which must not cut an answer short
        slowMock = MockProvider.start("127.0.0.1", 0, new MockOptions().latencyMillis(1_500));
        gateway = Gateway.start(ConfigLoader.parse("""
                model_list:
                  - model_name: slow
                    litellm_params: {model: openai/slow, api_base: "%s"}
                  - model_name: big
                    litellm_params: {model: openai/big, api_base: "%t"}
                gateway_settings:
                  max_request_bytes: 1000
                  client_header_timeout: 0.5
                  client_body_timeout: 0.5
                  client_idle_timeout: 0.8
                  client_send_timeout: 0.5
                """.replace("%s", slowMock.baseUri().toString())
                .replace("%t", bigAnswers.baseUri().toString()), System::getenv), "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        timeoutsLog.removeHandler(capture);
        handlerLog.removeHandler(capture);
        gateway.drainAndStop();
        slowMock.close();
        bigAnswers.close();
    }

    @Test
    void headersThatDoNotArriveInTimeCloseTheConnection() throws Exception {
        try (Socket s = connect()) {
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le");
            long start = System.nanoTime();
            assertEquals("", readUntilClosed(s, 5_000), "closed without an answer");
            assertTrue(elapsedMillis(start) >= 300, "not before the deadline");
        }
    }

    @Test
    void aBodyThatDoesNotArriveInTimeIsAnswered408ThenClosed() throws Exception {
        try (Socket s = connect()) {
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"model\":");
            String answer = readUntilClosed(s, 5_000);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.toLowerCase(Locale.ROOT).contains("connection: close"), answer);
            assertTrue(answer.contains("\"code\":\"request_timeout\""), answer);
            assertTrue(answer.contains("\"type\":\"invalid_request_error\""), answer);
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedButNotWhileItsAnswerIsOnItsWay() throws Exception {
        try (Socket s = connect()) {
            String body = "{\"model\":\"slow\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            long start = System.nanoTime();
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            String answer = readUntilClosed(s, 8_000);
            assertTrue(answer.startsWith("HTTP/1.1 200"), "a 1.5 s answer outlives every client deadline: " + answer);
            assertTrue(answer.contains("chat.completion"), answer);
            assertTrue(elapsedMillis(start) >= 1_500 + 600, "closed only after the idle deadline that followed the answer");
        }
    }

    @Test
    void aClientThatTakesNoAnswerIsCutOffAndLogged() throws Exception {
        logged.clear();
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
            String body = "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            awaitLog("took no more of its answers");
        }
    }

    @Test
    void aClientThatPipelinesWithoutReadingIsCutOffAndLogged() throws Exception {
        logged.clear();
        Socket s = new Socket("127.0.0.1", gateway.port());
        byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < 2_000; i++) {
                    out.write(request);
                }
            } catch (IOException expected) {
                // the gateway closed the connection
            }
        }, "pipelining-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            awaitLog("pipelined more requests than the codec holds");
        } finally {
            s.close();
            writer.join(5_000);
        }
    }

    private static void awaitLog(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline && logged.stream().noneMatch(r -> r.getMessage().contains(text))) {
            Thread.sleep(50);
        }
        assertTrue(logged.stream().anyMatch(r -> r.getMessage().contains(text)),
                "'" + text + "' logged: " + logged.stream().map(LogRecord::getMessage).toList());
    }

    @Test
    void aRefusedExpectationClosesTheConnection() throws Exception {
        try (Socket s = connect()) {
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n");
            String answer = readUntilClosed(s, 5_000);
            assertTrue(answer.startsWith("HTTP/1.1 417"), answer);
            assertTrue(answer.toLowerCase(Locale.ROOT).contains("connection: close"), answer);
        }
        try (Socket s = connect()) {
            send(s, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n");
            String answer = readUntilClosed(s, 5_000);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.toLowerCase(Locale.ROOT).contains("connection: close"), answer);
            assertTrue(answer.contains("request_too_large"), answer);
        }
    }

    @Test
    void anUnknownHttpVersionIs505() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /health/liveliness HTTP/9.9\r\nHost: x\r\n\r\n");
            String answer = readUntilClosed(s, 5_000);
            assertTrue(answer.startsWith("HTTP/1.1 505"), answer);
            assertTrue(answer.contains("\"code\":\"http_version_not_supported\""), answer);
        }
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", gateway.port());
        s.setSoTimeout(1_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    /** Everything the gateway sends until it closes the connection; fails if it is still open at the limit. */
    private static String readUntilClosed(Socket s, long limitMillis) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        long deadline = System.nanoTime() + limitMillis * 1_000_000;
        byte[] buf = new byte[8192];
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                if (System.nanoTime() > deadline) {
                    fail("connection still open after " + limitMillis + " ms; received: "
                            + got.toString(StandardCharsets.UTF_8));
                }
                continue;
            } catch (java.net.SocketException reset) {
                break;
            }
            if (n < 0) {
                break;
            }
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
