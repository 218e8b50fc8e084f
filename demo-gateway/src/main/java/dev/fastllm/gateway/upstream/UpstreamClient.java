package dev.fastllm.gateway.upstream;

import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.ServerSettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpContentDecompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * HTTP/1.1 client for one deployment over its own {@link ConnectionPool} of keep-alive Netty channels.
 *
 * <p>One exchange at a time per channel. The deployment's timeout bounds the wait for a connection and then
 * every gap between two pieces of the response, so a stream that keeps sending is never cut. A request
 * whose write fails on a reused connection (the peer closed it while idle) is sent once more on a new
 * connection: it never fully left, so nothing is repeated. Once written it is never resent here, since the
 * upstream may have read it; a failure after that is the caller's to retry or not ({@code num_retries}).
 */
public final class UpstreamClient implements AutoCloseable {

    /**
     * Requests that may wait for a connection of one deployment. Waiting is bounded in time by the
     * deployment's timeout; this bound only keeps a runaway burst from holding unbounded memory.
     */
    static final int MAX_WAITING = 10_000;

    /**
     * Largest status line plus headers accepted from an upstream. Providers behind CDNs and proxies send
     * long cookie, tracing and rate-limit headers; Netty's 8 KiB default is too tight, and a larger answer
     * fails the attempt at once (502) rather than waiting for the timeout.
     */
    static final int MAX_HEADER_BYTES = 64 * 1024;

    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("fastllm.exchange");
    private static final AttributeKey<Integer> USES = AttributeKey.valueOf("fastllm.uses");

    private final Deployment deployment;
    private final URI base;
    private final String hostHeader;
    private final ConnectionPool<Channel> pool;

    public UpstreamClient(Deployment deployment, EventLoopGroup group, ServerSettings settings, SslContext ssl) {
        this.deployment = deployment;
        this.base = deployment.apiBase();
        if (base == null) {
            this.hostHeader = null;
            this.pool = null;
            return;
        }
        boolean https = "https".equalsIgnoreCase(base.getScheme());
        String host = base.getHost();
        int port = base.getPort() > 0 ? base.getPort() : (https ? 443 : 80);
        this.hostHeader = base.getPort() > 0 ? host + ":" + port : host;
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (https) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(MAX_HEADER_BYTES).setMaxHeaderSize(MAX_HEADER_BYTES), false, false),
                                new HttpContentDecompressor(0), new ExchangeHandler());
                    }
                });
        ConnectionPool.Connector<Channel> connector = new ConnectionPool.Connector<>() {
            @Override
            public CompletableFuture<Channel> connect() {
                CompletableFuture<Channel> f = new CompletableFuture<>();
                ChannelFuture cf = bootstrap.connect(host, port);
                cf.addListener(done -> {
                    if (done.isSuccess()) {
                        Channel ch = cf.channel();
                        ch.closeFuture().addListener(closed -> pool.purgeUnusable());
                        f.complete(ch);
                    } else {
                        f.completeExceptionally(done.cause());
                    }
                });
                return f;
            }

            @Override
            public boolean isUsable(Channel ch) {
                return ch.isActive();
            }

            @Override
            public void close(Channel ch) {
                ch.close();
            }
        };
        this.pool = new ConnectionPool<>(deployment.id(), connector, deployment.maxParallelRequests(),
                MAX_WAITING, settings.idleConnectionTimeout().toNanos(),
                System::nanoTime);
    }

    public Deployment deployment() {
        return deployment;
    }

    /** The pool, or null when the deployment has no address. */
    public ConnectionPool<Channel> pool() {
        return pool;
    }

    /**
     * Sends {@code POST <api_base><path>} with a JSON body and streams the answer to {@code listener}.
     *
     * @param forwarded headers of the client's request to send on (never credentials; may be null)
     * @return a handle to abandon the exchange (the client went away)
     */
    public Exchange post(String path, byte[] jsonBody, HttpHeaders forwarded, long timeoutMillis, ResponseListener listener) {
        Exchange exchange = new Exchange(path, jsonBody, forwarded, timeoutMillis, listener);
        if (pool == null) {
            exchange.fail(new UpstreamException(UpstreamException.Kind.NO_ADDRESS,
                    "deployment " + deployment.id() + " has no api_base", null));
            return exchange;
        }
        exchange.start(false);
        return exchange;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
    }

    /** One request and its response, possibly sent twice (see the class comment). */
    public final class Exchange {
        private final String path;
        private final byte[] body;
        private final HttpHeaders forwarded;
        private final long timeoutMillis;
        private final ResponseListener listener;
        private volatile boolean done;
        private volatile boolean cancelled;
        private volatile Channel channel; // written on its event loop; cancel() reads it from any thread
        private boolean headReceived;
        private boolean interim;          // inside a 1xx answer, which is skipped (RFC 9110 15.2)
        private boolean written;          // the whole request was handed to the connection
        private boolean reusedChannel;
        private boolean retried;
        private boolean keepAlive;
        private boolean paused;
        private ScheduledFuture<?> timer;

        private Exchange(String path, byte[] body, HttpHeaders forwarded, long timeoutMillis, ResponseListener listener) {
            this.path = path;
            this.body = body;
            this.forwarded = forwarded;
            this.timeoutMillis = timeoutMillis;
            this.listener = listener;
        }

        /** Abandons the exchange: its connection is closed, not reused, and the listener hears nothing more. */
        public void cancel() {
            cancelled = true;
            Channel ch = channel; // send() writes channel before reading cancelled: one of us sees the other
            if (ch != null) {
                ch.eventLoop().execute(() -> {
                    if (channel == ch) { // not a channel an earlier try already gave back
                        finish(false);
                    }
                });
            }
        }

        /**
         * Stops reading the answer (the client is slower than the upstream): TCP then pushes back on the
         * upstream, and at most what one read brought in stays buffered. The idle timeout is suspended, since
         * the upstream is not the one keeping us waiting. Safe from any thread.
         */
        public void pauseReading() {
            Channel ch = channel;
            if (ch != null) {
                ch.eventLoop().execute(() -> {
                    if (channel == ch && !done) {
                        paused = true;
                        ch.config().setAutoRead(false);
                        if (timer != null) {
                            timer.cancel(false);
                        }
                    }
                });
            }
        }

        /** Reads the answer again after {@link #pauseReading}. Safe from any thread. */
        public void resumeReading() {
            Channel ch = channel;
            if (ch != null) {
                ch.eventLoop().execute(() -> {
                    if (channel == ch && !done && paused) {
                        paused = false;
                        armTimer();
                        ch.config().setAutoRead(true);
                        ch.read();
                    }
                });
            }
        }

        private void start(boolean isRetry) {
            CompletableFuture<Channel> lease = pool.acquire();
            lease.orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).whenComplete((ch, error) -> {
                if (error != null) {
                    fail(classify(unwrap(error), false));
                    return;
                }
                ch.eventLoop().execute(() -> send(ch, isRetry));
            });
        }

        private void send(Channel ch, boolean isRetry) {
            channel = ch;
            if (cancelled) {
                channel = null;
                done = true;
                pool.release(ch, true);
                return;
            }
            retried = isRetry;
            written = false;
            Integer uses = ch.attr(USES).get();
            reusedChannel = uses != null && uses > 0;
            ch.attr(USES).set(uses == null ? 1 : uses + 1);
            ch.attr(EXCHANGE).set(this);
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    basePath() + path, Unpooled.wrappedBuffer(body));
            if (forwarded != null) {
                request.headers().add(forwarded);
            }
            request.headers()
                    .set(HttpHeaderNames.HOST, hostHeader)
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.ACCEPT, "application/json, text/event-stream")
                    .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            if (deployment.apiKey() != null) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + deployment.apiKey());
            }
            armTimer();
            ch.writeAndFlush(request).addListener(w -> {
                if (w.isSuccess()) {
                    written = true;
                } else {
                    onFailure(w.cause());
                }
            });
        }

        private boolean isInterim(HttpResponse head) {
            int code = head.status().code();
            return code >= 100 && code < 200 && code != 101;
        }

        private UpstreamException malformed(Throwable cause) {
            String what = cause instanceof io.netty.handler.codec.TooLongFrameException
                    ? "an answer whose status line or headers exceed " + MAX_HEADER_BYTES + " bytes"
                    : "a malformed HTTP answer";
            return new UpstreamException(UpstreamException.Kind.BAD_RESPONSE,
                    "upstream " + deployment.id() + " sent " + what, cause);
        }

        private String basePath() {
            String p = base.getRawPath();
            return p == null ? "" : p;
        }

        private void armTimer() {
            if (timer != null) {
                timer.cancel(false);
            }
            if (paused) {
                return; // waiting for our client, not for the upstream
            }
            timer = channel.eventLoop().schedule(() -> onFailure(new TimeoutException(
                    "no response from " + deployment.id() + " within " + timeoutMillis + " ms")),
                    timeoutMillis, TimeUnit.MILLISECONDS);
        }

        void onMessage(HttpObject msg) {
            if (done || cancelled) {
                return; // cancelled: the finish cancel() queued on this loop releases the channel
            }
            if (msg.decoderResult().isFailure()) {
                onFailure(malformed(msg.decoderResult().cause()));
                return;
            }
            if (msg instanceof HttpResponse head && isInterim(head)) {
                interim = true; // 100 Continue, 103 Early Hints: the final answer is still to come
                armTimer();
                if (msg instanceof LastHttpContent) {
                    interim = false;
                }
                return;
            }
            if (interim) {
                if (msg instanceof LastHttpContent) {
                    interim = false; // the codec ends every 1xx with an empty last content
                }
                return;
            }
            if (msg instanceof HttpResponse head) {
                String encoding = head.headers().get(HttpHeaderNames.CONTENT_ENCODING);
                if (encoding != null && !HttpHeaderValues.IDENTITY.contentEqualsIgnoreCase(encoding.trim())) {
                    // gzip and deflate were decoded (and the header removed) by the decompressor; relaying other
                    // encodings without their header would hand the client bytes it cannot read
                    onFailure(new UpstreamException(UpstreamException.Kind.BAD_RESPONSE, "upstream "
                            + deployment.id() + " answered with Content-Encoding '" + encoding
                            + "', which the gateway cannot decode", null));
                    return;
                }
                headReceived = true;
                keepAlive = HttpUtil.isKeepAlive(head);
                armTimer();
                listener.onHead(head);
            }
            if (msg instanceof HttpContent content) {
                armTimer();
                if (content.content().isReadable()) {
                    listener.onContent(content.content());
                }
                if (msg instanceof LastHttpContent) {
                    finish(keepAlive);
                    listener.onComplete();
                }
            }
        }

        void onFailure(Throwable cause) {
            if (done) {
                return;
            }
            // only a request that never fully left us may be sent again: once written, the upstream may have
            // read it (and be generating, and billing) even if it then closes or resets without answering
            boolean retry = !written && !headReceived && reusedChannel && !retried && !cancelled
                    && !(cause instanceof TimeoutException);
            finish(false);
            if (retry) {
                done = false;
                start(true);
                return;
            }
            if (!cancelled) {
                listener.onError(classify(cause, headReceived), headReceived);
            }
        }

        private void finish(boolean reusable) {
            if (done) {
                return;
            }
            done = true;
            if (timer != null) {
                timer.cancel(false);
            }
            Channel ch = channel;
            if (ch != null) {
                ch.attr(EXCHANGE).set(null);
                channel = null;
                if (paused) {
                    paused = false;
                    ch.config().setAutoRead(true); // a pooled connection always reads (stray answers close it)
                }
                pool.release(ch, reusable && !cancelled);
            }
        }

        private void fail(UpstreamException e) {
            if (done) {
                return;
            }
            done = true;
            if (!cancelled) {
                listener.onError(e, false);
            }
        }

        private UpstreamException classify(Throwable cause, boolean afterHead) {
            if (cause instanceof UpstreamException u) {
                return u;
            }
            String id = deployment.id();
            if (cause instanceof TimeoutException) {
                return new UpstreamException(UpstreamException.Kind.TIMEOUT, "upstream " + id + " timed out after "
                        + timeoutMillis + " ms", cause);
            }
            if (cause instanceof ConnectionPool.PoolExhaustedException) {
                return new UpstreamException(UpstreamException.Kind.POOL_EXHAUSTED, cause.getMessage(), cause);
            }
            if (cause instanceof ConnectException || (!afterHead && cause instanceof io.netty.channel.ConnectTimeoutException)) {
                return new UpstreamException(UpstreamException.Kind.CONNECT, "cannot connect to upstream " + id, cause);
            }
            return new UpstreamException(UpstreamException.Kind.CONNECTION_LOST,
                    "connection to upstream " + id + " was lost", cause);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Feeds the channel's current exchange. */
    private static final class ExchangeHandler extends SimpleChannelInboundHandler<HttpObject> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            Exchange e = ctx.channel().attr(EXCHANGE).get();
            if (e != null) {
                e.onMessage(msg);
            } else {
                // an answer with no request outstanding: matching it to the next request would hand one
                // client's completion to another, so the connection is closed (and never leased again)
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange e = ctx.channel().attr(EXCHANGE).get();
            if (e != null) {
                e.onFailure(new ClosedChannelException());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Exchange e = ctx.channel().attr(EXCHANGE).get();
            if (e != null) {
                e.onFailure(cause instanceof IOException ? cause : new IOException(cause));
            }
            ctx.close();
        }
    }
}
