package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.VirtualKey;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.server.ApiError;
import dev.fastllm.gateway.server.HttpCall;
import dev.fastllm.gateway.upstream.ResponseListener;
import dev.fastllm.gateway.upstream.UpstreamClient;
import dev.fastllm.gateway.upstream.UpstreamException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One proxied request across its attempts: pick a deployment, send, and on a retryable failure (429, 408,
 * 5xx, connection error, timeout) back off and try again, then move on to the fallback groups.
 *
 * <p>All state changes happen under this object's monitor; callbacks of a superseded attempt are ignored.
 * {@link #finish()} runs exactly once and releases the key's parallel slot; every {@code Router.onStart} is
 * matched by exactly one end report.
 */
final class ProxyCall {

    private static final System.Logger LOG = System.getLogger(ProxyCall.class.getName());
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_BODY = 64 * 1024 * 1024;

    private final ProxyService service;
    private final HttpCall call;
    private final VirtualKey key;
    private final boolean limited;
    private final List<String> chain;
    private final ObjectNode body;
    private final long reservedTokens;
    private final long acquiredAtMillis;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final String path;
    private final HttpHeaders limitHeaders;

    private int groupIndex;
    private int retriesLeft;
    private int retriesDone;
    private int attempts;
    private boolean finished;
    private Attempt current;
    private ScheduledFuture<?> pendingRetry;
    private ApiError lastError;

    ProxyCall(ProxyService service, HttpCall call, VirtualKey key, boolean limited, String group, ObjectNode body,
              int promptTokens, long reservedTokens, long acquiredAtMillis, boolean stream, String path,
              HttpHeaders limitHeaders) {
        this.service = service;
        this.call = call;
        this.key = key;
        this.limited = limited;
        List<String> c = new ArrayList<>();
        c.add(group);
        for (String g : service.retryPolicy.fallbackChain(group)) {
            if (!c.contains(g) && (key.allows(g))) {
                c.add(g);
            }
        }
        this.chain = List.copyOf(c);
        this.body = body;
        this.reservedTokens = reservedTokens;
        this.acquiredAtMillis = acquiredAtMillis;
        this.stream = stream;
        this.clientWantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        this.path = path;
        this.limitHeaders = limitHeaders;
        this.retriesLeft = service.config.router().numRetries();
    }

    void begin() {
        call.onClientGone(this::clientGone);
        attempt();
    }

    // ---- attempts -------------------------------------------------------------------------------

    private synchronized void attempt() {
        pendingRetry = null;
        if (finished) {
            return;
        }
        String group = chain.get(groupIndex);
        long now = System.currentTimeMillis();
        Route route = service.router.pick(group, reservedTokens, now);
        if (route == null) {
            if (nextGroup()) {
                attempt();
                return;
            }
            long waitMs = service.router.retryAfterMillis(chain.get(0), reservedTokens, now);
            ApiError e = lastError != null ? lastError : new ApiError(429, "No deployments available for model group '"
                    + ProxyService.clip(chain.get(0)) + "': every deployment is cooling down or at its rpm/tpm capacity.",
                    "rate_limit_error", null, "no_deployments_available");
            finishWithError(e.status() == 429 || lastError == null
                    ? e.withRetryAfter(Math.max(1, (waitMs + 999) / 1000)) : e);
            return;
        }
        Deployment d = route.deployment();
        attempts++;
        UpstreamClient client = service.clients.get(d.id());
        Attempt a = new Attempt(route, group);
        current = a;
        a.exchange = client.post(path, upstreamBody(d), d.timeout().toMillis(), a);
    }

    private boolean nextGroup() {
        if (groupIndex + 1 >= chain.size()) {
            return false;
        }
        groupIndex++;
        retriesLeft = service.config.router().numRetries();
        return true;
    }

    private byte[] upstreamBody(Deployment d) {
        ObjectNode b = body.deepCopy();
        b.put("model", d.upstreamModel());
        if (stream && !clientWantsUsage) {
            ObjectNode opts = b.with("stream_options");
            opts.put("include_usage", true);
        }
        try {
            return service.json.writeValueAsBytes(b);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A failed attempt: report it, then retry, fall back, or answer the error. */
    private synchronized void attemptFailed(Attempt a, int status, long retryAfterMillis, ApiError error, String kind) {
        service.router.onEnd(a.route, status, 0, System.currentTimeMillis());
        service.metrics.upstreamError(a.group, a.deployment.id(), kind);
        if (finished || a != current) {
            return;
        }
        current = null;
        lastError = error;
        if (retriesLeft > 0) {
            retriesLeft--;
            retriesDone++;
            long delay = service.retryPolicy.backoffMillis(retriesDone, retryAfterMillis, ThreadLocalRandom.current());
            try {
                pendingRetry = service.timers.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                finishWithError(error); // the gateway is stopping: answer now rather than never
            }
        } else if (nextGroup()) {
            retriesDone++;
            attempt();
        } else {
            finishWithError(error);
        }
    }

    private synchronized void clientGone() {
        if (finished) {
            return;
        }
        Attempt a = current;
        current = null;
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
        }
        if (a != null) {
            a.exchange.cancel();
            service.router.onEnd(a.route, Router.CANCELLED, 0, System.currentTimeMillis());
        }
        finish();
    }

    private void finishWithError(ApiError e) {
        HttpHeaders h = responseHeaders(null);
        call.respond(e, h);
        finish();
    }

    /** Must hold the monitor. Releases what the request holds, once. */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (limited) {
            service.limiter.release(key.key());
        }
    }

    private HttpHeaders responseHeaders(Deployment d) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (limitHeaders != null) {
            h.add(limitHeaders);
        }
        if (d != null) {
            h.set("x-gateway-model-id", d.id());
        }
        h.set("x-gateway-attempted-retries", Math.max(0, attempts - 1));
        return h;
    }

    private void reconcile(long totalTokens) {
        if (limited && totalTokens >= 0) {
            service.limiter.reconcile(key.key(), reservedTokens, totalTokens, acquiredAtMillis, ProxyService.limiterClock());
        }
    }

    private static long usageTotal(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return -1;
        }
        if (usage.hasNonNull("total_tokens")) {
            return usage.get("total_tokens").asLong();
        }
        return usage.path("prompt_tokens").asLong(0) + usage.path("completion_tokens").asLong(0);
    }

    // ---- one attempt --------------------------------------------------------------------------

    /** Receives one upstream response; runs on the upstream connection's event loop. */
    private final class Attempt implements ResponseListener {
        final Route route;
        final Deployment deployment;
        final String group;
        final long startNanos = System.nanoTime();
        UpstreamClient.Exchange exchange;
        int status;
        HttpResponse head;
        boolean relaying;
        long usageTokens = -1;
        final ByteArrayOutputStream collected = new ByteArrayOutputStream();
        boolean truncated;
        SseEvents events;

        Attempt(Route route, String group) {
            this.route = route;
            this.deployment = route.deployment();
            this.group = group;
        }

        private boolean live() {
            synchronized (ProxyCall.this) {
                return !finished && current == this;
            }
        }

        @Override
        public void onHead(HttpResponse h) {
            head = h;
            status = h.status().code();
            if (stream && status / 100 == 2) {
                synchronized (ProxyCall.this) {
                    if (!live()) {
                        return;
                    }
                    call.addUpstreamNanos(System.nanoTime() - startNanos);
                    relaying = call.startStream(status, responseHeaders(deployment));
                    events = new SseEvents();
                }
            }
        }

        @Override
        public void onContent(ByteBuf content) {
            if (relaying) {
                events.feed(content, this::relayEvent);
            } else {
                int limit = status / 100 == 2 ? MAX_BODY : MAX_ERROR_BODY;
                if (collected.size() + content.readableBytes() <= limit) {
                    byte[] bytes = new byte[content.readableBytes()];
                    content.getBytes(content.readerIndex(), bytes);
                    collected.writeBytes(bytes);
                } else {
                    truncated = true; // an error body is only read for its message; a success must be whole
                }
            }
        }

        private void relayEvent(byte[] event) {
            boolean forward = true;
            if (indexOf(event, "\"usage\"") >= 0) {
                JsonNode chunk = parseData(event);
                if (chunk != null) {
                    long total = usageTotal(chunk.get("usage"));
                    if (total >= 0) {
                        usageTokens = total;
                        JsonNode choices = chunk.get("choices");
                        if (!clientWantsUsage && (choices == null || choices.isEmpty())) {
                            forward = false; // the gateway asked for this usage event; the client did not
                        }
                    }
                }
            }
            if (forward) {
                ByteBuf out = Unpooled.buffer(event.length + 2);
                out.writeBytes(event).writeByte('\n').writeByte('\n');
                call.streamChunk(out);
            }
        }

        @Override
        public void onComplete() {
            long upstreamNanos = System.nanoTime() - startNanos;
            service.metrics.upstreamAttempt(group, deployment.id(), upstreamNanos);
            if (relaying) {
                byte[] rest = events.rest();
                if (rest.length > 0 && !isBlank(rest)) {
                    relayEvent(rest);
                }
                synchronized (ProxyCall.this) {
                    service.router.onEnd(route, status, Math.max(0, usageTokens), System.currentTimeMillis());
                    if (!live()) {
                        return;
                    }
                    reconcile(usageTokens);
                    call.endStream();
                    current = null;
                    finish();
                }
                return;
            }
            byte[] bytes = collected.toByteArray();
            if (status / 100 == 2 && truncated) {
                call.addUpstreamNanos(upstreamNanos);
                synchronized (ProxyCall.this) {
                    service.router.onEnd(route, Router.CANCELLED, 0, System.currentTimeMillis());
                    service.metrics.upstreamError(group, deployment.id(), "too_large");
                    if (live()) {
                        current = null;
                        finishWithError(ApiError.upstream(502, "The upstream answer exceeds " + MAX_BODY
                                + " bytes; ask for streaming instead", "upstream_answer_too_large"));
                    }
                }
                return;
            }
            if (status / 100 == 2) {
                synchronized (ProxyCall.this) {
                    long tokens = -1;
                    try {
                        tokens = usageTotal(service.json.readTree(bytes).get("usage"));
                    } catch (java.io.IOException | RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, "upstream answer without readable usage");
                    }
                    service.router.onEnd(route, status, Math.max(0, tokens), System.currentTimeMillis());
                    if (!live()) {
                        return;
                    }
                    call.addUpstreamNanos(upstreamNanos);
                    reconcile(tokens);
                    HttpHeaders h = responseHeaders(deployment);
                    String type = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
                    call.respondBytes(status, bytes, type, h);
                    current = null;
                    finish();
                }
                return;
            }
            long retryAfter = retryAfterMillis(head);
            if (service.retryPolicy.retryable(status)) {
                call.addUpstreamNanos(upstreamNanos);
                attemptFailed(this, status, retryAfter, upstreamError(status, bytes, retryAfter), "status_" + status);
                return;
            }
            // the provider refused the request itself (400, 401, 404, ...): the client's answer, as given
            synchronized (ProxyCall.this) {
                service.router.onEnd(route, status, 0, System.currentTimeMillis());
                if (!live()) {
                    return;
                }
                call.addUpstreamNanos(upstreamNanos);
                JsonNode err = parseError(bytes);
                HttpHeaders h = responseHeaders(deployment);
                if (err != null) {
                    call.respondBytes(status, bytes, "application/json", h);
                } else {
                    call.respond(new ApiError(status, "Upstream refused the request with status " + status,
                            "invalid_request_error", null, "upstream_" + status), h);
                }
                current = null;
                finish();
            }
        }

        @Override
        public void onError(Throwable error, boolean headReceived) {
            long upstreamNanos = System.nanoTime() - startNanos;
            UpstreamException.Kind kind = error instanceof UpstreamException u ? u.kind() : UpstreamException.Kind.CONNECTION_LOST;
            if (relaying) {
                synchronized (ProxyCall.this) {
                    service.router.onEnd(route, 0, 0, System.currentTimeMillis());
                    service.metrics.upstreamError(group, deployment.id(), kind.name().toLowerCase());
                    if (!live()) {
                        return;
                    }
                    ApiError e = ApiError.upstream(kind.status, "The upstream stream broke: " + error.getMessage(),
                            kind.name().toLowerCase());
                    try {
                        byte[] json = service.json.writeValueAsBytes(e.toJson());
                        ByteBuf out = Unpooled.buffer(json.length + 8);
                        out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII)).writeBytes(json)
                                .writeByte('\n').writeByte('\n');
                        call.streamChunk(out);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException ignored) {
                        // the stream still ends below
                    }
                    call.endStream();
                    current = null;
                    finish();
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
            ApiError e = ApiError.upstream(kind.status, error.getMessage(), kind.name().toLowerCase());
            attemptFailed(this, statusForRouter, -1, e, kind.name().toLowerCase());
        }

        private ApiError upstreamError(int status, byte[] bytes, long retryAfterMillis) {
            JsonNode err = parseError(bytes);
            String detail = err != null && err.path("error").hasNonNull("message")
                    ? ": " + ProxyService.clip(err.path("error").path("message").asText()) : "";
            if (status == 429) {
                ApiError e = new ApiError(429, "Upstream rate limited the request" + detail, "rate_limit_error", null,
                        "upstream_rate_limited");
                return retryAfterMillis >= 0 ? e.withRetryAfter(Math.max(1, (retryAfterMillis + 999) / 1000)) : e;
            }
            if (status == 408 || status == 504) {
                return ApiError.upstream(504, "Upstream timed out (status " + status + ")" + detail, "upstream_timeout");
            }
            return ApiError.upstream(502, "Upstream failed with status " + status + detail, "upstream_error");
        }

        private JsonNode parseError(byte[] bytes) {
            try {
                JsonNode n = service.json.readTree(bytes);
                return n != null && n.has("error") ? n : null;
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }

        private JsonNode parseData(byte[] event) {
            String text = new String(event, StandardCharsets.UTF_8);
            StringBuilder data = new StringBuilder();
            for (String line : text.split("\r?\n")) {
                if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
            try {
                return data.length() == 0 ? null : service.json.readTree(data.toString());
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }
    }

    private long retryAfterMillis(HttpResponse head) {
        String v = head.headers().get(HttpHeaderNames.RETRY_AFTER);
        if (v != null) {
            try {
                double seconds = Double.parseDouble(v.trim());
                if (seconds >= 0) {
                    return Math.min(service.maxRetryAfter.toMillis(), (long) (seconds * 1000));
                }
            } catch (NumberFormatException ignored) {
                // an HTTP date or garbage: fall back to our own backoff
            }
        }
        return -1;
    }

    private static boolean isBlank(byte[] b) {
        for (byte x : b) {
            if (x != ' ' && x != '\n' && x != '\r' && x != '\t') {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] hay, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + n.length <= hay.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (hay[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
