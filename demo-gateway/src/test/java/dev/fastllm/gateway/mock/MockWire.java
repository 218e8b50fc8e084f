package dev.fastllm.gateway.mock;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw-socket HTTP for the mock's tests: what a library client hides, such as the HTTP chunks of a stream. */
final class MockWire {

    private MockWire() {
    }

    /** POSTs over a raw socket and returns each HTTP chunk of the chunked response body as a string. */
    static List<String> rawChunkedPost(int port, String path, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            assertTrue(line(in).startsWith("HTTP/1.1 200"));
            boolean chunked = false;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                chunked |= header.equalsIgnoreCase("transfer-encoding: chunked");
            }
            assertTrue(chunked, "chunked transfer encoding");
            List<String> chunks = new ArrayList<>();
            while (true) {
                int size = Integer.parseInt(line(in).trim(), 16);
                if (size == 0) {
                    assertEquals("", line(in));
                    return chunks;
                }
                byte[] chunk = in.readNBytes(size);
                assertEquals(size, chunk.length);
                chunks.add(new String(chunk, StandardCharsets.UTF_8));
                assertEquals("", line(in));
            }
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b != '\r') {
                buf.write(b);
            }
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }
}
