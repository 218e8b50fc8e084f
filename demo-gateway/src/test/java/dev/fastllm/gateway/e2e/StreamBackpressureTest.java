package dev.fastllm.gateway.e2e;

import dev.fastllm.gateway.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.fastllm.gateway.testing.ScriptedUpstream.chunk;
import static dev.fastllm.gateway.testing.ScriptedUpstream.sseHeadClose;
import static dev.fastllm.gateway.testing.ScriptedUpstream.usageChunk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams are relayed with flow control: a client that does not read makes the gateway stop reading its
 * upstream (so the upstream, not the gateway's heap, holds the rest), a slow reader still gets every byte,
 * and a client that reads nothing for the deployment's timeout is cut off with its slot and route released.
 */
class StreamBackpressureTest {

    static final int EVENTS = 2_000;
    static final String PIECE = "y".repeat(16 * 1024);
    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${u}", timeout: %s}
            general_settings: {master_key: sk-master}
            """;

    ScriptedUpstream upstream;
    Harness h;
    final AtomicLong upstreamWritten = new AtomicLong();
    long streamBytes;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** An upstream that writes ~32 MB of events as fast as the gateway takes them, counting what it wrote. */
    private void start(String timeoutSeconds) throws Exception {
        byte[] event = ("data: " + chunk(PIECE) + "\n\n").getBytes(StandardCharsets.UTF_8);
        streamBytes = (long) event.length * EVENTS;
        upstream = new ScriptedUpstream((r, wire) -> {
            wire.write(sseHeadClose());
            for (int i = 0; i < EVENTS; i++) {
                wire.write(event);
                upstreamWritten.addAndGet(event.length);
            }
            wire.write("data: " + usageChunk(1, EVENTS) + "\n\ndata: [DONE]\n\n").close();
        });
        h = new Harness(String.format(java.util.Locale.ROOT, CONFIG, timeoutSeconds), Map.of("u", upstream));
    }

    private Socket streamRequest() throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(16 * 1024);
        s.connect(new InetSocketAddress("127.0.0.1", h.gateway.port()));
        String body = Harness.chatBody("m", "a long story", ",\"stream\":true");
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-master\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return s;
    }

    @Test
    void aClientThatDoesNotReadHoldsBackItsUpstreamAndIsCutOffAfterTheTimeout() throws Exception {
        start("3");
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(streamRequest());
        }
        long total = streamBytes * clients.size();
        // wait until the upstreams stop making progress (or finish)
        long written = -1;
        while (written != upstreamWritten.get() && upstreamWritten.get() < total) {
            written = upstreamWritten.get();
            Thread.sleep(700);
        }
        // TCP buffers on loopback (upstream send, gateway receive, gateway send, client receive) hold a few MB
        // per stream; without flow control the gateway would have read all of the ~130 MB into its heap
        assertTrue(written < total / 2, "upstreams wrote " + written + " of " + total + " bytes to clients that read nothing");
        String deployment = h.gateway.config().deployments().get(0).id();
        assertEquals(4, h.gateway.router().inFlight("m", deployment));

        long deadline = System.nanoTime() + 10_000_000_000L;
        while (h.gateway.router().inFlight("m", deployment) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, h.gateway.router().inFlight("m", deployment), "stalled clients are cut off after the 3 s timeout");
        for (Socket s : clients) {
            s.close();
        }
        assertTrue(upstreamWritten.get() < total, "the cut-off streams were not read to their end");
        assertTrue(upstreamWritten.get() < total / 2, "upstreams wrote " + upstreamWritten.get() + " of " + total);
    }

    @Test
    void aSlowReaderGetsEveryEvent() throws Exception {
        start("30");
        try (Socket s = streamRequest()) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            StringBuilder tail = new StringBuilder();
            long bytes = 0;
            int n;
            int reads = 0;
            while ((n = in.read(buf)) > 0) {
                bytes += n;
                tail.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                if (tail.length() > 200) {
                    tail.delete(0, tail.length() - 200);
                }
                if (++reads % 50 == 0) {
                    Thread.sleep(5); // slower than the upstream writes
                }
                if (tail.toString().contains("data: [DONE]\n\n")) {
                    break;
                }
            }
            assertTrue(tail.toString().contains("data: [DONE]"), tail.toString());
            assertTrue(bytes > (long) EVENTS * PIECE.length(), "received " + bytes + " bytes");
        }
    }
}
