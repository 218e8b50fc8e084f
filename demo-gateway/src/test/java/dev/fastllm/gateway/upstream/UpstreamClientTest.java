package dev.fastllm.gateway.upstream;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.ServerSettings;
import dev.fastllm.gateway.mock.MockOptions;
import dev.fastllm.gateway.mock.MockProvider;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamClientTest {

    MockProvider mock;
    EventLoopGroup loops;
    UpstreamClient client;

    @BeforeEach
    void start() {
        mock = MockProvider.start("127.0.0.1", 0, new MockOptions());
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Deployment d = new Deployment("m", "m-0", "openai", "gpt-4o-mini", mock.baseUri(), false, null,
                OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Duration.ofSeconds(5), 4,
                OptionalInt.empty());
        client = new UpstreamClient(d, loops, ServerSettings.DEFAULTS, null);
    }

    @AfterEach
    void stop() {
        client.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        mock.close();
    }

    @Test
    void aCancelledExchangeTellsTheListenerNothingMoreAndFreesItsConnection() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        UpstreamClient.Exchange[] exchange = new UpstreamClient.Exchange[1];
        var ended = new java.util.concurrent.CountDownLatch(1);
        ResponseListener listener = new ResponseListener() {
            @Override
            public void onHead(HttpResponse head) {
                heard.add("head");
                exchange[0].cancel(); // the client went away while the answer is arriving
                ended.countDown();
            }

            @Override
            public void onContent(ByteBuf content) {
                heard.add("content");
            }

            @Override
            public void onComplete() {
                heard.add("complete");
            }

            @Override
            public void onError(Throwable error, boolean headReceived) {
                heard.add("error");
            }
        };
        byte[] body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        exchange[0] = client.post("/chat/completions", body, null, 5_000, listener); // returns before any answer
        assertTrue(ended.await(5, TimeUnit.SECONDS));
        // let whatever the loop still has queued run
        loops.submit(() -> { }).get(5, TimeUnit.SECONDS);
        loops.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("head"), heard, "after cancel() the listener hears nothing more");
        var stats = client.pool().stats();
        assertEquals(0, stats.leased(), "the cancelled exchange's connection is released: " + stats);
    }
}
