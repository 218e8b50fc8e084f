package dev.fastllm.gateway.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream for tests that answers byte by byte as the test says: interim 1xx answers, gzip, odd SSE
 * framing, oversized headers, HTTP/1.0 close-delimited bodies, unsolicited answers, idle closes. Real
 * providers do all of these; the embedded mock does none.
 *
 * <p>Each accepted connection runs on its own thread, reads one request at a time (Content-Length bodies)
 * and hands it to the current {@link Script}. After the script returns, the connection reads the next
 * request unless the script closed it.
 */
public final class ScriptedUpstream implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What the upstream does with one request. */
    @FunctionalInterface
    public interface Script {
        void answer(Request request, Wire wire) throws Exception;
    }

    /** A request as the upstream read it; header names in lower case. */
    public record Request(String method, String target, Map<String, String> headers, byte[] body, int connection,
                   int indexOnConnection) {
        public JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** The connection's output, under the script's control. */
    public static final class Wire {
        private final Socket socket;
        private final OutputStream out;
        private boolean closed;

        Wire(Socket socket) throws IOException {
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        public Wire write(String ascii) throws IOException {
            return write(ascii.getBytes(StandardCharsets.UTF_8));
        }

        public Wire write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
            return this;
        }

        /** Writes {@code bytes} {@code perWrite} bytes at a time, each flushed on its own. */
        public Wire trickle(byte[] bytes, int perWrite) throws IOException {
            for (int i = 0; i < bytes.length; i += perWrite) {
                out.write(bytes, i, Math.min(perWrite, bytes.length - i));
                out.flush();
            }
            return this;
        }

        public Wire pause(long millis) throws InterruptedException {
            Thread.sleep(millis);
            return this;
        }

        public void close() throws IOException {
            closed = true;
            socket.close();
        }
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Script script;
    private volatile long idleCloseMillis;
    private volatile boolean closed;

    public ScriptedUpstream(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "scripted-upstream-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The base URL to put in a deployment's {@code api_base}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    public void script(Script next) {
        this.script = next;
    }

    /** Closes a connection that has waited this long for its next request (0: never). */
    public void closeIdleAfter(long millis) {
        this.idleCloseMillis = millis;
    }

    public List<Request> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                int id = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(s, id), "scripted-upstream-conn-" + id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int id) {
        try (s) {
            InputStream in = s.getInputStream();
            Wire wire = new Wire(s);
            for (int index = 0; !wire.closed; index++) {
                s.setSoTimeout((int) idleCloseMillis);
                Request r = read(in, id, index);
                if (r == null) {
                    return;
                }
                s.setSoTimeout(0);
                requests.add(r);
                script.answer(r, wire);
            }
        } catch (java.net.SocketTimeoutException idle) {
            // closeIdleAfter: the upstream drops a connection that sat idle
        } catch (SocketException gone) {
            // the gateway closed the connection
        } catch (Exception e) {
            if (!closed) {
                e.printStackTrace();
            }
        }
    }

    private static Request read(InputStream in, int connection, int index) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Request(requestLine[0], requestLine[1], headers, body, connection, index);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    // ---- answers real providers give ----------------------------------------------------------------

    /** A chat completion whose text is {@code text}, with usage. */
    public static String completion(String text, int promptTokens, int completionTokens) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + quote(text)
                + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + promptTokens
                + ",\"completion_tokens\":" + completionTokens + ",\"total_tokens\":"
                + (promptTokens + completionTokens) + "}}";
    }

    /** A whole HTTP/1.1 answer with a Content-Length body. */
    public static String response(int status, String contentType, String body, String... extraHeaders) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n")
                .append("Content-Type: ").append(contentType).append("\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n");
        for (String h : extraHeaders) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").append(body).toString();
    }

    public static String json(int status, String body, String... extraHeaders) {
        return response(status, "application/json", body, extraHeaders);
    }

    /** The head of an SSE answer with a close-delimited body (the connection ends the stream). */
    public static String sseHeadClose() {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    }

    /** A chat.completion.chunk carrying {@code text}. */
    public static String chunk(String text) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(text) + "},\"finish_reason\":null}]}";
    }

    /** The usage chunk a provider sends when asked for {@code include_usage}. */
    public static String usageChunk(int promptTokens, int completionTokens) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":"
                + completionTokens + ",\"total_tokens\":" + (promptTokens + completionTokens) + "}}";
    }

    public static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 103 -> "Early Hints";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 422 -> "Unprocessable Entity";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
