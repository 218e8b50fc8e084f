package dev.fastllm.gateway.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One client request in flight and the way back to its client: a whole answer, or a stream of chunks.
 *
 * <p>Safe to answer from any thread (Netty queues writes onto the connection's event loop). It knows when
 * the answer has ended, so the server can count in-flight requests for a graceful drain, and it tells the
 * request's owner when the client goes away so held resources (a rate-limit slot, an upstream connection)
 * are released.
 */
public final class HttpCall {

    private static final int OPEN = 0;
    private static final int STREAMING = 1;
    private static final int DONE = 2;

    private final ChannelHandlerContext ctx;
    private final HttpMethod method;
    private final HttpVersion version;
    private final String path;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;
    private final long startNanos;
    private final ObjectMapper json;
    private final java.util.function.Consumer<HttpCall> onEnd;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final List<Runnable> onClientGone = new ArrayList<>(2);
    private volatile long upstreamNanos;
    private volatile int status;
    private volatile boolean streamed; // the answer was a stream (unframed for HTTP/1.0: closing ends it)
    private volatile String modelGroup = "";
    private final ChannelFutureListener closeListener;
    private final AtomicReference<Runnable> onDrained = new AtomicReference<>();

    HttpCall(ChannelHandlerContext ctx, HttpMethod method, HttpVersion version, String path, HttpHeaders headers,
             byte[] body, boolean keepAlive, ObjectMapper json, java.util.function.Consumer<HttpCall> onEnd) {
        this.ctx = ctx;
        this.method = method;
        this.version = version;
        this.path = path;
        this.headers = headers;
        this.body = body;
        this.keepAlive = keepAlive;
        this.json = json;
        this.onEnd = onEnd;
        this.startNanos = System.nanoTime();
        this.closeListener = f -> clientClosed();
        ctx.channel().closeFuture().addListener(closeListener);
    }

    public HttpMethod method() {
        return method;
    }

    public String path() {
        return path;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public byte[] body() {
        return body;
    }

    public ObjectMapper json() {
        return json;
    }

    public long startNanos() {
        return startNanos;
    }

    /** Adds time spent waiting on an upstream, which {@code x-gateway-overhead-ms} leaves out. */
    public void addUpstreamNanos(long nanos) {
        upstreamNanos += nanos;
    }

    /** The model group the request was for, once known: a metrics label. */
    public void modelGroup(String group) {
        this.modelGroup = group;
    }

    public String modelGroup() {
        return modelGroup;
    }

    public int status() {
        return status;
    }

    /** True once the answer has ended or the client went away. */
    public boolean ended() {
        return state.get() == DONE;
    }

    public boolean clientGone() {
        return !ctx.channel().isActive();
    }

    /**
     * Runs {@code action} once if the client disconnects before the answer ends (or immediately if it
     * already has).
     */
    public void onClientGone(Runnable action) {
        boolean runNow;
        synchronized (onClientGone) {
            runNow = state.get() == DONE || !ctx.channel().isActive();
            if (!runNow) {
                onClientGone.add(action);
            }
        }
        if (runNow && state.get() != DONE) {
            action.run();
        }
    }

    /** Milliseconds spent in the gateway so far, upstream waits excluded. */
    public long overheadMillis() {
        long total = System.nanoTime() - startNanos;
        return TimeUnit.NANOSECONDS.toMillis(Math.max(0, total - upstreamNanos));
    }

    public void respond(ApiError error) {
        respond(error, null);
    }

    public void respond(ApiError error, HttpHeaders extra) {
        FullHttpResponse r = fullResponse(error.httpStatus(), jsonBytes(error.toJson()), HttpHeaderValues.APPLICATION_JSON);
        if (error.retryAfterSeconds() >= 0) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, error.retryAfterSeconds());
        }
        if (extra != null) {
            r.headers().add(extra);
        }
        send(r);
    }

    public void respondJson(int statusCode, JsonNode node, HttpHeaders extra) {
        respondBytes(statusCode, jsonBytes(node), HttpHeaderValues.APPLICATION_JSON, extra);
    }

    public void respondBytes(int statusCode, byte[] bytes, CharSequence contentType, HttpHeaders extra) {
        FullHttpResponse r = fullResponse(HttpResponseStatus.valueOf(statusCode), bytes, contentType);
        if (extra != null) {
            r.headers().add(extra);
        }
        send(r);
    }

    /** Starts a {@code text/event-stream} answer; follow with {@link #streamChunk} and {@link #endStream}. */
    public boolean startStream(int statusCode, HttpHeaders extra) {
        if (!state.compareAndSet(OPEN, STREAMING)) {
            return false;
        }
        status = statusCode;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(statusCode));
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("x-gateway-overhead-ms", overheadMillis());
        if (unframedStream()) {
            // an HTTP/1.0 client knows no chunked framing: the body runs until the connection closes
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (extra != null) {
            head.headers().add(extra);
        }
        if (!unframedStream()) {
            connectionHeader(head);
        }
        ctx.writeAndFlush(head);
        return true;
    }

    /** Writes and flushes one piece of a stream; takes ownership of {@code chunk}. */
    public void streamChunk(ByteBuf chunk) {
        if (state.get() != STREAMING) {
            chunk.release();
            return;
        }
        ctx.writeAndFlush(new DefaultHttpContent(chunk));
    }

    /**
     * False while the client's connection holds more unsent bytes than its high-water mark (the client reads
     * slower than we write): a relay should stop reading its upstream until {@link #whenDrained} fires.
     */
    public boolean writable() {
        return ctx.channel().isWritable();
    }

    /**
     * Runs {@code action} once, on the client's event loop, when the connection is writable again (at once if
     * it already is). One pending action at a time; a later call replaces an earlier one.
     */
    public void whenDrained(Runnable action) {
        onDrained.set(action);
        if (ctx.channel().isWritable() || !ctx.channel().isActive()) {
            drained();
        }
    }

    /** Closes the client's connection (a client that stopped reading); its onClientGone actions run. */
    public void cutOff() {
        ctx.close();
    }

    /** The connection became writable again. */
    void drained() {
        Runnable r = onDrained.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }

    public void endStream() {
        if (!state.compareAndSet(STREAMING, DONE)) {
            return;
        }
        streamed = true;
        var write = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        afterWrite(write);
    }

    private void send(FullHttpResponse response) {
        if (!state.compareAndSet(OPEN, DONE)) {
            response.release();
            return;
        }
        status = response.status().code();
        response.headers().set("x-gateway-overhead-ms", overheadMillis());
        connectionHeader(response);
        afterWrite(ctx.writeAndFlush(response));
    }

    private boolean unframedStream() {
        return HttpVersion.HTTP_1_0.equals(version);
    }

    private void afterWrite(io.netty.channel.ChannelFuture write) {
        boolean close = !keepAlive || GatewayServer.draining(ctx.channel()) || (streamed && unframedStream());
        write.addListener(f -> {
            ctx.channel().closeFuture().removeListener(closeListener);
            if (close || !f.isSuccess()) {
                ctx.close();
            }
            onEnd.accept(this);
        });
    }

    private void connectionHeader(HttpResponse response) {
        boolean close = !keepAlive || GatewayServer.draining(ctx.channel());
        response.headers().set(HttpHeaderNames.CONNECTION, close ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
    }

    private void clientClosed() {
        int s = state.getAndSet(DONE);
        if (s == DONE) {
            return;
        }
        List<Runnable> actions;
        synchronized (onClientGone) {
            actions = new ArrayList<>(onClientGone);
            onClientGone.clear();
        }
        status = 499;
        for (Runnable r : actions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.getLogger(HttpCall.class.getName()).log(System.Logger.Level.WARNING,
                        "cleanup after client disconnect failed", e);
            }
        }
        onEnd.accept(this);
    }

    private FullHttpResponse fullResponse(HttpResponseStatus s, byte[] bytes, CharSequence contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, s, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }

    private byte[] jsonBytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return ("{\"error\":{\"message\":\"internal error\",\"type\":\"api_error\",\"param\":null,\"code\":null}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }
}
