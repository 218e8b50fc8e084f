package dev.fastllm.gateway.e2e;

import dev.fastllm.gateway.testing.ScriptedUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static dev.fastllm.gateway.testing.ScriptedUpstream.completion;
import static dev.fastllm.gateway.testing.ScriptedUpstream.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An upstream's interim 1xx answers are skipped and an answer nobody asked for never reaches a later request:
 * each key gets its own completion, on a connection pool of one.
 */
class InterimAndStrayAnswersTest {

    static final String CONFIG = """
            model_list:
              - model_name: m
                litellm_params: {model: openai/gpt-4o-mini, api_base: "${u}", timeout: 5, max_parallel_requests: 1}
            router_settings: {num_retries: 0, allowed_fails: 1000}
            general_settings: {master_key: sk-master}
            """;

    ScriptedUpstream upstream;
    Harness h;

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** Answers each request with a completion that names the request's own prompt. */
    private static String echo(ScriptedUpstream.Request r) throws java.io.IOException {
        String prompt = r.json().path("messages").path(0).path("content").asText();
        return json(200, completion("answer to " + prompt, 5, 3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n"})
    void interimAnswersAreSkipped(String interim) throws Exception {
        upstream = new ScriptedUpstream((r, wire) -> {
            if (r.indexOnConnection() == 0) {
                wire.write(interim).pause(50);
            }
            wire.write(echo(r));
        });
        h = new Harness(CONFIG, Map.of("u", upstream));
        HttpResponse<String> first = h.chat("sk-master", "m", "key A's question");
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("answer to key A's question", Harness.json(first).at("/choices/0/message/content").asText());
        HttpResponse<String> second = h.chat("sk-master", "m", "key B's question");
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("answer to key B's question", Harness.json(second).at("/choices/0/message/content").asText());
        assertEquals(1, upstream.connections(), "the connection stays usable after an interim answer");
    }

    @Test
    void anAnswerNobodyAskedForClosesTheConnection() throws Exception {
        upstream = new ScriptedUpstream((r, wire) -> {
            wire.write(echo(r));
            if (r.connection() == 1) {
                wire.pause(20).write(json(200, completion("stray answer", 1, 1)));
            }
        });
        h = new Harness(CONFIG, Map.of("u", upstream));
        HttpResponse<String> first = h.chat("sk-master", "m", "one");
        assertEquals("answer to one", Harness.json(first).at("/choices/0/message/content").asText());
        Thread.sleep(300); // the stray answer arrives while the connection is idle in the pool
        for (String q : new String[] {"two", "three"}) {
            HttpResponse<String> r = h.chat("sk-master", "m", q);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("answer to " + q, Harness.json(r).at("/choices/0/message/content").asText());
        }
        assertEquals(2, upstream.connections(), "the connection that carried the stray answer was closed");
    }
}
