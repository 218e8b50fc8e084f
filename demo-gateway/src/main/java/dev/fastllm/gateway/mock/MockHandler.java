package dev.fastllm.gateway.mock;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the mock provider: routes each aggregated request, validates it, draws the configured
 * faults and answers, with every delay scheduled on the channel's event loop.
 *
 * <p>Reading is paused while a request is being answered, so a pipelining client still gets its answers in
 * order; it resumes when the answer (or the stream) is complete.
 */
final class MockHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final MockProvider provider;

    MockHandler(MockProvider provider) {
        this.provider = provider;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        provider.connectionOpened(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        ctx.channel().config().setAutoRead(false);
        if (request.decoderResult().isFailure()) {
            send(ctx, HttpResponseStatus.BAD_REQUEST, MockApi.error("Malformed HTTP request.",
                    "invalid_request_error", null, null), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path = MockProvider.normalize(new QueryStringDecoder(request.uri()).path());
        provider.count(path);
        HttpMethod method = request.method();
        try {
            switch (path) {
                case "/chat/completions" -> {
                    requireMethod(method, HttpMethod.POST, request.uri());
                    chat(ctx, MockApi.parseObject(new ByteBufInputStream(request.content())), keepAlive);
                }
                case "/responses" -> {
                    requireMethod(method, HttpMethod.POST, request.uri());
                    responses(ctx, MockApi.parseObject(new ByteBufInputStream(request.content())), keepAlive);
                }
                case "/embeddings" -> {
                    requireMethod(method, HttpMethod.POST, request.uri());
                    byte[] body = MockApi.embeddings(MockApi.parseObject(new ByteBufInputStream(request.content())),
                            provider.options().usageCounting());
                    withFaults(ctx, keepAlive, () -> send(ctx, HttpResponseStatus.OK, body, keepAlive));
                }
                case "/models" -> {
                    requireMethod(method, HttpMethod.GET, request.uri());
                    send(ctx, HttpResponseStatus.OK, MockApi.models(now()), keepAlive);
                }
                default -> {
                    if (path.startsWith("/models/") && path.length() > "/models/".length()) {
                        requireMethod(method, HttpMethod.GET, request.uri());
                        send(ctx, HttpResponseStatus.OK,
                                MockApi.modelObject(path.substring("/models/".length()), now()), keepAlive);
                    } else {
                        throw new MockApi.BadRequest(404, "Invalid URL (" + method + " " + request.uri() + ")", null);
                    }
                }
            }
        } catch (MockApi.BadRequest e) {
            FullHttpResponse response = response(HttpResponseStatus.valueOf(e.status),
                    MockApi.error(e.getMessage(), "invalid_request_error", e.param, null));
            if (e.status == 405) {
                response.headers().set(HttpHeaderNames.ALLOW, "/models".equals(path) || path.startsWith("/models/")
                        ? "GET" : "POST");
            }
            send(ctx, response, keepAlive);
        }
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected, String uri) {
        if (!actual.equals(expected)) {
            throw new MockApi.BadRequest(405, "Method " + actual + " is not allowed for " + uri + "; use " + expected
                    + ".", null);
        }
    }

    private void chat(ChannelHandlerContext ctx, JsonNode body, boolean keepAlive) {
        MockApi.Chat chat = MockApi.chat(body, provider.options().usageCounting());
        String id = provider.nextId("chatcmpl-mock-");
        long created = now();
        if (chat.stream()) {
            withFaults(ctx, keepAlive, () -> stream(ctx, chat, id, created, keepAlive));
        } else {
            byte[] json = MockApi.chatCompletion(chat, id, created);
            withFaults(ctx, keepAlive, () -> send(ctx, HttpResponseStatus.OK, json, keepAlive));
        }
    }

    private void responses(ChannelHandlerContext ctx, JsonNode body, boolean keepAlive) {
        MockResponses.Request request = MockResponses.parse(body, provider.options().usageCounting());
        String id = provider.nextId("resp_mock_");
        String messageId = provider.nextId("msg_mock_");
        long created = now();
        if (request.stream()) {
            int chunks = provider.options().streamChunks();
            List<byte[]> events = MockResponses.streamEvents(request, id, messageId, created, chunks);
            int deltas = MockApi.split(request.text(), chunks).size();
            withFaults(ctx, keepAlive, () -> stream(ctx, events, MockResponses.EVENTS_BEFORE_TEXT, deltas, keepAlive));
        } else {
            byte[] json = MockResponses.response(request, id, messageId, created);
            withFaults(ctx, keepAlive, () -> send(ctx, HttpResponseStatus.OK, json, keepAlive));
        }
    }

    /** Draws reset, then 429, then after the latency (plus the slow delay if drawn) 500 or the answer. */
    private void withFaults(ChannelHandlerContext ctx, boolean keepAlive, Runnable answer) {
        MockOptions o = provider.options();
        if (draw(o.resetRate())) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.channel().close();
            return;
        }
        if (draw(o.rateLimitRate())) {
            FullHttpResponse response = response(HttpResponseStatus.TOO_MANY_REQUESTS, MockApi.error(
                    "Rate limit reached for requests (mock provider fault injection). Please try again in 1s.",
                    "rate_limit_error", null, "rate_limit_exceeded"));
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
            send(ctx, response, keepAlive);
            return;
        }
        long delay = o.latencyMillis() + (draw(o.slowRate()) ? o.slowMillis() : 0);
        boolean fail = draw(o.errorRate());
        Runnable respond = () -> {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (fail) {
                send(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, MockApi.error(
                        "The server had an error while processing your request (mock provider fault injection).",
                        "server_error", null, null), keepAlive);
            } else {
                answer.run();
            }
        };
        if (delay > 0) {
            ctx.executor().schedule(respond, delay, TimeUnit.MILLISECONDS);
        } else {
            respond.run();
        }
    }

    private static boolean draw(double rate) {
        return rate > 0 && (rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate);
    }

    // ---- streaming -----------------------------------------------------------------------------

    private void stream(ChannelHandlerContext ctx, MockApi.Chat chat, String id, long created, boolean keepAlive) {
        int chunks = provider.options().streamChunks();
        List<byte[]> events = MockApi.streamEvents(chat, id, created, chunks);
        stream(ctx, events, 1, MockApi.split(chat.content(), chunks).size(), keepAlive);
    }

    /**
     * Sends the head of an event stream, then the events, each flushed as its own HTTP chunk; events
     * {@code firstPaced} to {@code firstPaced + paced - 1} (the content chunks) are each preceded by
     * {@link MockOptions#chunkDelayMillis()}.
     */
    private void stream(ChannelHandlerContext ctx, List<byte[]> events, int firstPaced, int paced, boolean keepAlive) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(head, true);
        if (!keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(head);
        streamFrom(ctx, events, 0, firstPaced, firstPaced + paced, provider.options().chunkDelayMillis(), keepAlive);
    }

    /** Writes events from {@code i}, each flushed on its own; pauses before each event in [pacedFrom, pacedTo). */
    private void streamFrom(ChannelHandlerContext ctx, List<byte[]> events, int i, int pacedFrom, int pacedTo,
                            long delay, boolean keepAlive) {
        while (ctx.channel().isActive()) {
            if (i == events.size()) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(done(ctx, keepAlive));
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(events.get(i))));
            int next = ++i;
            if (delay > 0 && next >= pacedFrom && next < pacedTo) {
                ctx.executor().schedule(() -> streamFrom(ctx, events, next, pacedFrom, pacedTo, delay, keepAlive),
                        delay, TimeUnit.MILLISECONDS);
                return;
            }
        }
    }

    // ---- plain responses -----------------------------------------------------------------------

    private static FullHttpResponse response(HttpResponseStatus status, byte[] json) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        return response;
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] json, boolean keepAlive) {
        send(ctx, response(status, json), keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener(done(ctx, keepAlive));
    }

    private static ChannelFutureListener done(ChannelHandlerContext ctx, boolean keepAlive) {
        return future -> {
            if (!keepAlive || !future.isSuccess()) {
                ctx.channel().close();
            } else {
                ctx.channel().config().setAutoRead(true); // also requests the next read
            }
        };
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) { // a peer resetting its connection is routine for a test server
            System.err.println("mock provider: closing connection after " + cause);
        }
        ctx.close();
    }

    /** Aggregates request bodies; a body over the limit gets a JSON 413 and the connection is closed. */
    static final class Aggregator extends HttpObjectAggregator {
        Aggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, io.netty.handler.codec.http.HttpMessage oversized) {
            FullHttpResponse response = response(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, MockApi.error(
                    "Request body too large (limit " + maxContentLength() + " bytes).", "invalid_request_error",
                    null, null));
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
