package dev.fastllm.gateway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.config.ServerSettings;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.VirtualKey;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** ApiHandler's per-connection request queue, on an embedded channel with an Api that answers when told. */
class ApiHandlerTest {

    /** Records calls; answers nothing by itself. */
    static final class RecordingApi implements Api {
        final List<HttpCall> calls = new ArrayList<>();

        @Override
        public void chatCompletions(HttpCall call, VirtualKey key) {
            calls.add(call);
        }

        @Override
        public void embeddings(HttpCall call, VirtualKey key) {
            calls.add(call);
        }

        @Override
        public void responses(HttpCall call, VirtualKey key) {
            calls.add(call);
        }

        @Override
        public JsonNode models(VirtualKey key) {
            return new ObjectMapper().createObjectNode();
        }

        @Override
        public String metrics() {
            return "";
        }

        @Override
        public void requestEnded(HttpCall call) {
        }
    }

    private static GatewayServer server(Api api) {
        var config = ConfigLoader.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:1/v1"}
                """, name -> null);
        return new GatewayServer(null, null, api, new Auth(config), ServerSettings.DEFAULTS, new ObjectMapper());
    }

    private static FullHttpRequest chat(String text) {
        var body = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}",
                StandardCharsets.UTF_8);
        var r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions", body);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    @Test
    void pipelinedRequestsAreServedInOrderOneAtATime() {
        RecordingApi api = new RecordingApi();
        GatewayServer server = server(api);
        EmbeddedChannel ch = new EmbeddedChannel(new ApiHandler(server));
        ch.writeInbound(chat("one"), chat("two"));
        assertEquals(1, api.calls.size(), "the second waits for the first answer");
        api.calls.get(0).respondBytes(200, "{}".getBytes(StandardCharsets.UTF_8), "application/json", null);
        ch.runPendingTasks();
        assertEquals(2, api.calls.size());
        assertEquals("two", new String(api.calls.get(1).body(), StandardCharsets.UTF_8).replaceAll(".*content\":\"(\\w+).*", "$1"));
        api.calls.get(1).respondBytes(200, "{}".getBytes(StandardCharsets.UTF_8), "application/json", null);
        ch.runPendingTasks();
        FullHttpResponse first = ch.readOutbound();
        FullHttpResponse second = ch.readOutbound();
        first.release();
        second.release();
        assertEquals(0, server.inFlight());
        ch.finishAndReleaseAll();
    }

    @Test
    void requestsQueuedBehindOneWhoseClientLeftAreNotServed() {
        RecordingApi api = new RecordingApi();
        GatewayServer server = server(api);
        EmbeddedChannel ch = new EmbeddedChannel(new ApiHandler(server));
        ch.writeInbound(chat("one"), chat("two"), chat("three"));
        assertEquals(1, api.calls.size());
        ch.close();           // the client went away with two requests still queued
        ch.runPendingTasks();
        assertEquals(1, api.calls.size(), "a request queued on a closed connection must not be served: its answer "
                + "has nowhere to go, yet it would spend the key's limits and an upstream call");
        assertEquals(0, server.inFlight());
        assertFalse(ch.isActive());
        assertNull(ch.readOutbound());
    }
}
