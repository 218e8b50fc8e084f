package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.server.ApiError;
import dev.fastllm.gateway.server.HttpCall;
import dev.fastllm.gateway.upstream.ResponseListener;
import dev.fastllm.gateway.upstream.UpstreamClient;
import dev.fastllm.gateway.upstream.UpstreamException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

import java.io.ByteArrayOutputStream;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One upstream exchange of a {@link ProxyCall}: receives the response on the upstream connection's event loop
 * (head, content, completion or error) and settles it as the request's answer (JSON, stream, refusal, too
 * large) or hands it back to the call as a failed attempt to retry or fall back from. Every callback runs
 * guarded by the call; an attempt the call has moved on from (a retry, a disconnect, an abort) still ends its
 * route but answers nothing. State shared with the call is changed under the call's monitor.
 */
final class Attempt implements ResponseListener {

    /** Logged under the call's name, as when this class was part of it. */
    private static final System.Logger LOG = System.getLogger(ProxyCall.class.getName());
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final ProxyCall owner;
    private final ProxyDependencies deps;
    private final HttpCall call;
    final Route route;
    final Deployment deployment;
    final String group;
    /** Set by the call once the request is handed to the upstream client. */
    UpstreamClient.Exchange exchange;
    private final long startNanos = System.nanoTime();
    private int status;
    private HttpResponse head;
    private StreamRelay relay;
    private final ByteArrayOutputStream collected = new ByteArrayOutputStream();
    private boolean truncated;
    private volatile boolean pausedForClient;

    Attempt(ProxyCall owner, Route route, String group) {
        this.owner = owner;
        this.deps = owner.deps();
        this.call = owner.call();
        this.route = route;
        this.deployment = route.deployment();
        this.group = group;
    }

    private boolean live() {
        return owner.isCurrent(this);
    }

    @Override
    public void onHead(HttpResponse h) {
        owner.guarded(this, () -> head(h));
    }

    @Override
    public void onContent(ByteBuf content) {
        owner.guarded(this, () -> content(content));
    }

    @Override
    public void onComplete() {
        owner.guarded(this, this::complete);
    }

    @Override
    public void onError(Throwable error, boolean headReceived) {
        owner.guarded(this, () -> error(error));
    }

    private void head(HttpResponse h) {
        head = h;
        status = h.status().code();
        ProxyService.step("head");
        String type = h.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        // a stream request answered with JSON is collected whole and turned into a stream on completion
        if (owner.stream() && status / 100 == 2 && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
            synchronized (owner) {
                if (!live()) {
                    return;
                }
                call.addUpstreamNanos(System.nanoTime() - startNanos);
                owner.startStream(status, owner.responseHeaders(deployment, h));
                relay = new StreamRelay(owner.endpoint(), owner.clientWantsUsage(), deps.json());
            }
        }
    }

    private void content(ByteBuf content) {
        ProxyService.step("content");
        if (relay != null) {
            if (owner.streaming()) {
                relay.feed(content, call::streamChunk);
                if (!call.writable()) {
                    backOff();
                }
            }
            return;
        }
        int limit = status / 100 == 2 ? MAX_BODY : MAX_ERROR_BODY;
        if (collected.size() + content.readableBytes() <= limit) {
            byte[] bytes = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), bytes);
            collected.writeBytes(bytes);
        } else {
            truncated = true; // an error body is only read for its message; a success must be whole
        }
    }

    /**
     * The client reads slower than the upstream writes: stop reading the upstream until the client's
     * connection drains, so a stream holds at most its connection's high-water mark plus one read. A client
     * that does not drain within the deployment's timeout is cut off (and logged): its slot, route and
     * upstream connection are released as on any disconnect.
     */
    private void backOff() {
        if (pausedForClient) {
            return;
        }
        pausedForClient = true;
        exchange.pauseReading();
        long timeoutMillis = deployment.timeout().toMillis();
        ScheduledFuture<?> stall = deps.timers().schedule(() -> owner.guarded(this, () -> {
            LOG.log(System.Logger.Level.WARNING, "a client of model group " + group + " read nothing of its stream for "
                    + timeoutMillis + " ms; cutting it off");
            call.cutOff();
        }), timeoutMillis, TimeUnit.MILLISECONDS);
        call.whenDrained(() -> {
            stall.cancel(false);
            pausedForClient = false;
            exchange.resumeReading();
        });
    }

    private void complete() {
        long upstreamNanos = System.nanoTime() - startNanos;
        deps.metrics().upstreamAttempt(group, deployment.id(), upstreamNanos);
        ProxyService.step("complete");
        if (relay != null) {
            completeStream();
        } else if (status / 100 == 2 && truncated) {
            completeTooLarge(upstreamNanos);
        } else if (status / 100 == 2) {
            completeSuccess(upstreamNanos);
        } else if (deps.retryPolicy().retryable(status)) {
            call.addUpstreamNanos(upstreamNanos);
            long retryAfter = RetryAfter.millis(head.headers(), System.currentTimeMillis());
            owner.attemptFailed(this, status, retryAfter, deps.upstreamErrors().failure(status, collected.toByteArray(),
                    retryAfter), "status_" + status);
        } else {
            completeRefused(upstreamNanos);
        }
    }

    private void completeStream() {
        if (owner.streaming()) {
            relay.end(call::streamChunk);
        }
        synchronized (owner) {
            deps.router().onEnd(route, status, Math.max(0, relay.usageTokens()), System.currentTimeMillis());
            if (!live()) {
                return;
            }
            owner.reconcile(relay.usageTokens());
            owner.settle();
            call.endStream();
        }
    }

    private void completeTooLarge(long upstreamNanos) {
        call.addUpstreamNanos(upstreamNanos);
        synchronized (owner) {
            deps.router().onEnd(route, Router.CANCELLED, 0, System.currentTimeMillis());
            deps.metrics().upstreamError(group, deployment.id(), "too_large");
            if (live()) {
                owner.settleWithError(ApiError.upstream(502, "The upstream answer exceeds " + MAX_BODY
                        + " bytes; ask for streaming instead", "upstream_answer_too_large"));
            }
        }
    }

    private void completeSuccess(long upstreamNanos) {
        byte[] bytes = collected.toByteArray();
        JsonNode answer = null;
        try {
            answer = deps.json().readTree(bytes);
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "upstream answer is not JSON");
        }
        long tokens = answer == null ? -1 : Usage.total(answer.get("usage"));
        synchronized (owner) {
            deps.router().onEnd(route, status, Math.max(0, tokens), System.currentTimeMillis());
            if (!live()) {
                return;
            }
            call.addUpstreamNanos(upstreamNanos);
            owner.reconcile(tokens);
            HttpHeaders h = owner.responseHeaders(deployment, head);
            owner.settle();
            if (owner.stream() && answer != null && answer.isObject()) {
                // the client asked for a stream and the upstream answered whole: a valid stream all the same
                owner.startStream(status, h);
                new StreamRelay(owner.endpoint(), owner.clientWantsUsage(), deps.json()).fromJson(answer, call::streamChunk);
                call.endStream();
            } else {
                String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
                call.respondBytes(status, bytes, type, h);
            }
        }
    }

    /** The provider refused the request itself (400, 401, 404, 422, ...): the client's answer. */
    private void completeRefused(long upstreamNanos) {
        synchronized (owner) {
            deps.router().onEnd(route, status, 0, System.currentTimeMillis());
            if (!live()) {
                return;
            }
            call.addUpstreamNanos(upstreamNanos);
            byte[] bytes = collected.toByteArray();
            HttpHeaders h = owner.responseHeaders(deployment, head);
            owner.settle();
            if (!truncated && deps.upstreamErrors().isOpenAiError(bytes)) {
                call.respondBytes(status, bytes, "application/json", h);
            } else {
                call.respond(deps.upstreamErrors().refusal(status, bytes), h);
            }
        }
    }

    private void error(Throwable error) {
        long upstreamNanos = System.nanoTime() - startNanos;
        ProxyService.step("error");
        UpstreamException.Kind kind = error instanceof UpstreamException u ? u.kind() : UpstreamException.Kind.CONNECTION_LOST;
        String code = kind.name().toLowerCase(Locale.ROOT);
        if (relay != null) {
            synchronized (owner) {
                deps.router().onEnd(route, 0, 0, System.currentTimeMillis());
                deps.metrics().upstreamError(group, deployment.id(), code);
                if (!live()) {
                    return;
                }
                owner.settle();
                owner.streamError(ApiError.upstream(kind.status, "The upstream stream broke: " + error.getMessage(), code));
            }
            return;
        }
        call.addUpstreamNanos(upstreamNanos);
        // a full local wait queue says nothing about the deployment's health: no cooldown for it
        int statusForRouter = switch (kind) {
            case TIMEOUT -> 408;
            case POOL_EXHAUSTED -> Router.CANCELLED;
            default -> 0;
        };
        owner.attemptFailed(this, statusForRouter, -1, ApiError.upstream(kind.status, error.getMessage(), code), code);
    }
}
