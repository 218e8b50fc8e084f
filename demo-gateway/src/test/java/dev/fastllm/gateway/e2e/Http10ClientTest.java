package dev.fastllm.gateway.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An HTTP/1.0 client knows no chunked framing: its stream comes unframed and ends when the gateway closes. */
class Http10ClientTest {

    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aStreamToAnHttp10ClientIsUnframedAndClosed() throws Exception {
        h = new Harness("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "${mock}"}
                general_settings: {master_key: sk-master}
                """, "mock");
        String body = Harness.chatBody("m", "hello", ",\"stream\":true");
        try (Socket s = new Socket("127.0.0.1", h.gateway.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.0\r\nAuthorization: Bearer sk-master\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until close
            int split = answer.indexOf("\r\n\r\n");
            String head = answer.substring(0, split).toLowerCase(java.util.Locale.ROOT);
            String sse = answer.substring(split + 4);
            assertTrue(head.startsWith("http/1.1 200"), head);
            assertFalse(head.contains("transfer-encoding"), head);
            assertTrue(head.contains("connection: close"), head);
            assertTrue(sse.startsWith("data: {"), sse);
            assertTrue(sse.endsWith("data: [DONE]\n\n"), sse);
            assertEquals(-1, sse.indexOf("\r\n0\r\n"), "no chunk framing");
        }
    }
}
