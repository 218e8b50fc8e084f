package dev.fastllm.gateway.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.config.ServerSettings;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's HTTP/1.1 listener: a short Netty pipeline of handlers, each with one job.
 *
 * <pre>
 * first-byte           notes the first byte of a request (for the header deadline of ClientTimeouts)
 * HttpServerCodec      bytes  &lt;-&gt; HTTP messages
 * ClientTimeouts       header, body, keep-alive idle and send deadlines; a late body answers 408
 * BodyLimit            aggregates a request body; over the limit answers 413 as OpenAI error JSON
 * ApiHandler           authenticates, dispatches by path, answers errors, one request at a time per connection
 * </pre>
 *
 * <p>The listening channel carries {@link AcceptErrors}, which keeps the descriptor limit from flooding the
 * log.
 *
 * <p>{@link #drain(Duration)} stops accepting, lets every in-flight request (streams included) finish within
 * the timeout, answers the rest of the keep-alive traffic with {@code Connection: close}, then closes.
 */
public final class GatewayServer {

    private static final AttributeKey<Boolean> DRAINING = AttributeKey.valueOf("fastllm.draining");
    /** How long accepting pauses after a failed accept (the descriptor limit, typically). */
    private static final long ACCEPT_PAUSE_MILLIS = 200;

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Api api;
    private final Auth auth;
    private final ServerSettings settings;
    private final ObjectMapper json;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;
    private Channel listener;

    public GatewayServer(EventLoopGroup boss, EventLoopGroup workers, Api api, Auth auth, ServerSettings settings,
                         ObjectMapper json) {
        this.boss = boss;
        this.workers = workers;
        this.api = api;
        this.auth = auth;
        this.settings = settings;
        this.json = json;
    }

    /** Binds and starts serving; returns the bound port (useful with port 0). */
    public int start(String host, int port) throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .handler(new AcceptErrors(ACCEPT_PAUSE_MILLIS, TimeUnit.MINUTES.toNanos(1)))
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (draining) {
                            ch.attr(DRAINING).set(Boolean.TRUE);
                        }
                        connections.add(ch);
                        ClientTimeouts timeouts = new ClientTimeouts(settings.clientHeaderTimeout(),
                                settings.clientBodyTimeout(), settings.clientIdleTimeout(), settings.clientSendTimeout(),
                                () -> errorResponse(json,
                                new ApiError(408, "The request body did not arrive within "
                                        + settings.clientBodyTimeout().toSeconds() + " s", "invalid_request_error",
                                        null, "request_timeout"), false));
                        ch.pipeline().addLast("first-byte", timeouts.firstByte());
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("timeouts", timeouts);
                        ch.pipeline().addLast("body-limit", new BodyLimit((int) settings.maxRequestBytes(), json));
                        ch.pipeline().addLast("api", new ApiHandler(GatewayServer.this));
                    }
                });
        listener = b.bind(host, port).sync().channel();
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    Api api() {
        return api;
    }

    Auth auth() {
        return auth;
    }

    ObjectMapper json() {
        return json;
    }

    public boolean draining() {
        return draining;
    }

    public int inFlight() {
        return inFlight.get();
    }

    void requestStarted() {
        inFlight.incrementAndGet();
    }

    void requestEnded() {
        inFlight.decrementAndGet();
    }

    static boolean draining(Channel ch) {
        return Boolean.TRUE.equals(ch.attr(DRAINING).get());
    }

    /**
     * Graceful stop: no new connections, readiness turns 503, every request in flight (streams included) may
     * finish within {@code timeout}; connections are then closed.
     *
     * @return true if every in-flight request finished in time
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        draining = true;
        for (Channel ch : connections) {
            ch.attr(DRAINING).set(Boolean.TRUE);
        }
        if (listener != null) {
            listener.close().sync();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
        boolean clean = inFlight.get() == 0;
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        return clean;
    }

    /** A whole error answer in OpenAI's JSON form, for the handlers that answer before {@link HttpCall} exists. */
    static FullHttpResponse errorResponse(ObjectMapper json, ApiError e, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(e.toJson());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, e.httpStatus(), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CONNECTION, keepAlive ? "keep-alive" : "close");
        return response;
    }

    /**
     * Aggregates request bodies and answers an oversized one with 413 and OpenAI error JSON. A refusal of
     * {@code Expect: 100-continue} (417, or 413 for a declared length over the limit) closes the connection,
     * as its {@code Connection: close} says: the client may or may not send the body it announced, so the
     * next bytes on the connection cannot be trusted to start a request.
     */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final ObjectMapper json;

        BodyLimit(int max, ObjectMapper json) {
            super(max, true);
            this.json = json;
        }

        @Override
        protected Object newContinueResponse(HttpMessage start, int maxContentLength,
                                             ChannelPipeline pipeline) {
            Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
            if (answer instanceof FullHttpResponse r && r.status().code() >= 400) {
                int code = r.status().code();
                r.release();
                return code == 413 ? tooLarge(false) : errorResponse(json, new ApiError(417,
                        "Unsupported Expect header", "invalid_request_error", null, "expectation_failed"), false);
            }
            return answer;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            boolean keepAlive = HttpUtil.isKeepAlive(oversized) && !draining(ctx.channel());
            var write = ctx.writeAndFlush(tooLarge(keepAlive));
            if (!keepAlive) {
                write.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private FullHttpResponse tooLarge(boolean keepAlive) {
            return errorResponse(json, new ApiError(413, "Request body exceeds " + maxContentLength() + " bytes",
                    "invalid_request_error", null, "request_too_large"), keepAlive);
        }
    }
}
