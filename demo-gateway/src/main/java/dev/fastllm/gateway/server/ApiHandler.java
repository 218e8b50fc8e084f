package dev.fastllm.gateway.server;

import dev.fastllm.gateway.config.VirtualKey;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;

/**
 * Authenticates and dispatches requests by method and path. Answers HTTP-level mistakes itself (unknown
 * path 404, wrong method 405, undecodable request 400, HTTP version other than 1.0 and 1.1 505, missing key
 * 401). Requests pipelined on one connection are served in order, one at a time, so answers never
 * interleave; reading from the connection pauses while {@value #MAX_QUEUED} requests wait or while the
 * client is not taking its answers, so a client that pipelines without reading holds a bounded amount.
 */
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private enum Route { CHAT, EMBEDDINGS, RESPONSES, MODELS, LIVELINESS, READINESS, METRICS }

    private static final Map<String, Route> ROUTES = Map.ofEntries(
            Map.entry("/v1/chat/completions", Route.CHAT),
            Map.entry("/chat/completions", Route.CHAT),
            Map.entry("/v1/embeddings", Route.EMBEDDINGS),
            Map.entry("/embeddings", Route.EMBEDDINGS),
            Map.entry("/v1/responses", Route.RESPONSES),
            Map.entry("/responses", Route.RESPONSES),
            Map.entry("/v1/models", Route.MODELS),
            Map.entry("/models", Route.MODELS),
            Map.entry("/health/liveliness", Route.LIVELINESS),
            Map.entry("/health/liveness", Route.LIVELINESS),
            Map.entry("/health/readiness", Route.READINESS),
            Map.entry("/metrics", Route.METRICS));

    /** Pipelined requests held at most before reading from the connection pauses. */
    static final int MAX_QUEUED = 16;

    private final GatewayServer server;
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private boolean busy;
    private HttpCall current; // the call being answered, for writability events

    ApiHandler(GatewayServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (busy) {
            queued.add(request.retain());
            updateReading(ctx);
            return;
        }
        serve(ctx, request);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading(ctx);
        HttpCall call = current;
        if (call != null && ctx.channel().isWritable()) {
            call.drained(); // a relayed stream paused for this client may read its upstream again
        }
        super.channelWritabilityChanged(ctx);
    }

    private void updateReading(ChannelHandlerContext ctx) {
        boolean read = ctx.channel().isWritable() && queued.size() < MAX_QUEUED;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        FullHttpRequest r;
        while ((r = queued.poll()) != null) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // connection-level failure: nothing to answer, but a cut-off is said (a reset or a client leaving
        // in the middle of a request is routine)
        System.Logger log = System.getLogger(ApiHandler.class.getName());
        if (cause instanceof DecoderException && cause.getCause() instanceof IllegalStateException depth
                && String.valueOf(depth.getMessage()).startsWith("maxPipelineDepth")) {
            // HttpServerCodec bounds the requests a client may pipeline ahead of reading their answers
            log.log(System.Logger.Level.WARNING, "client " + ctx.channel().remoteAddress() + " pipelined more requests"
                    + " than the codec holds without reading the answers (" + depth.getMessage()
                    + "): connection cut off");
        } else if (cause instanceof java.io.IOException || cause instanceof PrematureChannelClosureException) {
            log.log(System.Logger.Level.DEBUG, () -> "client connection " + ctx.channel().remoteAddress()
                    + " failed: " + cause);
        } else {
            log.log(System.Logger.Level.WARNING, "client connection " + ctx.channel().remoteAddress()
                    + " closed after an error", cause);
        }
        ctx.close();
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        busy = true;
        server.requestStarted();
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess()
                && knownVersion(request.protocolVersion());
        String path = new QueryStringDecoder(request.uri()).path();
        byte[] body = ByteBufUtil.getBytes(request.content());
        HttpCall call = new HttpCall(ctx, request.method(), request.protocolVersion(), path, request.headers(), body,
                keepAlive, server.json(), done -> ctx.channel().eventLoop().execute(() -> ended(ctx, done)));
        current = call;
        try {
            dispatch(call, request);
        } catch (RuntimeException e) {
            System.getLogger(ApiHandler.class.getName()).log(System.Logger.Level.ERROR,
                    "request to " + path + " failed inside the gateway", e);
            call.respond(ApiError.internal());
        }
    }

    private void ended(ChannelHandlerContext ctx, HttpCall call) {
        server.requestEnded();
        try {
            server.api().requestEnded(call);
        } catch (RuntimeException e) {
            System.getLogger(ApiHandler.class.getName()).log(System.Logger.Level.WARNING, "metrics failed", e);
        }
        busy = false;
        if (current == call) {
            current = null;
        }
        if (!ctx.channel().isActive()) {
            // the client left: what it pipelined has nowhere to be answered (channelInactive may not have run yet)
            FullHttpRequest dropped;
            while ((dropped = queued.poll()) != null) {
                dropped.release();
            }
            return;
        }
        FullHttpRequest next = queued.poll();
        updateReading(ctx);
        if (next != null) {
            try {
                serve(ctx, next);
            } finally {
                next.release();
            }
        }
    }

    private void dispatch(HttpCall call, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            call.respond(ApiError.invalidRequest("Malformed HTTP request", null, "bad_request"));
            return;
        }
        if (!knownVersion(request.protocolVersion())) {
            call.respond(new ApiError(505, "HTTP version " + sanitize(request.protocolVersion().text())
                    + " is not supported; use HTTP/1.1", "invalid_request_error", null, "http_version_not_supported"));
            return;
        }
        Route route = ROUTES.get(call.path());
        if (route == null) {
            call.respond(ApiError.notFound("Unknown path " + sanitize(call.path()), "unknown_url"));
            return;
        }
        HttpMethod expected = switch (route) {
            case CHAT, EMBEDDINGS, RESPONSES -> HttpMethod.POST;
            default -> HttpMethod.GET;
        };
        if (!expected.equals(request.method()) && !(expected == HttpMethod.GET && HttpMethod.HEAD.equals(request.method()))) {
            HttpHeaders allow = new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, expected.name());
            call.respond(new ApiError(405, "Method " + request.method().name() + " is not allowed on " + call.path()
                    + "; use " + expected.name(), "invalid_request_error", null, "method_not_allowed"), allow);
            return;
        }
        Api api = server.api();
        switch (route) {
            case LIVELINESS -> call.respondBytes(200, "\"I'm alive!\"".getBytes(StandardCharsets.UTF_8),
                    "application/json", null);
            case READINESS -> {
                var status = server.json().createObjectNode()
                        .put("status", server.draining() ? "draining" : "healthy");
                call.respondJson(server.draining() ? 503 : 200, status, null);
            }
            case METRICS -> call.respondBytes(200, api.metrics().getBytes(StandardCharsets.UTF_8),
                    "text/plain; version=0.0.4; charset=utf-8", null);
            default -> {
                VirtualKey key = server.auth().authenticate(request.headers());
                if (key == null) {
                    call.respond(ApiError.unauthorized(Auth.presentedKey(request.headers()) == null
                            ? "Missing API key: pass it as 'Authorization: Bearer <key>' or 'x-api-key'"
                            : "Invalid API key"));
                    return;
                }
                switch (route) {
                    case MODELS -> call.respondJson(200, api.models(key), null);
                    case CHAT -> api.chatCompletions(call, key);
                    case EMBEDDINGS -> api.embeddings(call, key);
                    case RESPONSES -> api.responses(call, key);
                    default -> throw new IllegalStateException(route.name());
                }
            }
        }
    }

    private static boolean knownVersion(HttpVersion v) {
        return v.majorVersion() == 1 && (v.minorVersion() == 0 || v.minorVersion() == 1);
    }

    private static String sanitize(String path) {
        String p = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return p.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
