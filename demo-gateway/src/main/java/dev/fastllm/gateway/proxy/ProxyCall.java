package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.VirtualKey;
import dev.fastllm.gateway.routing.Route;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.server.ApiError;
import dev.fastllm.gateway.server.HttpCall;
import dev.fastllm.gateway.upstream.UpstreamClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

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
 * {@link #finish()} runs exactly once and releases the key's parallel slot; every route picked is ended
 * exactly once. Every entry point (start, retry timer, each upstream callback, client disconnect) runs
 * guarded: an exception anywhere on the request's path answers 500 (or ends a started stream with an error
 * event) and still releases the slot and ends the route, so a defect can never lock a key out.
 */
final class ProxyCall {

    private static final System.Logger LOG = System.getLogger(ProxyCall.class.getName());
    /** Client request headers sent on to the upstream; credentials and hop-by-hop headers never are. */
    private static final List<String> FORWARDED = List.of("x-request-id", "openai-beta", "user-agent");
    /** Upstream answer headers passed back to the client. */
    private static final List<String> PASSED_BACK = List.of("x-request-id", "openai-processing-ms");

    private final ProxyDependencies deps;
    private final HttpCall call;
    private final VirtualKey key;
    private final boolean limited;
    private final List<String> chain;
    private final ObjectNode body;
    private final long reservedTokens;
    private final long acquiredAtMillis;
    private final boolean stream;
    private final boolean clientWantsUsage;
    private final Endpoint endpoint;
    private final HttpHeaders limitHeaders;
    private final HttpHeaders forwarded;

    private int groupIndex;
    private int retriesLeft;
    private int retriesDone;
    private int attempts;
    private boolean finished;
    private boolean streaming;
    private Attempt current;
    private ScheduledFuture<?> pendingRetry;
    private ApiError lastError;

    ProxyCall(ProxyDependencies deps, HttpCall call, VirtualKey key, boolean limited, String group, ObjectNode body,
              long reservedTokens, long acquiredAtMillis, boolean stream, Endpoint endpoint, HttpHeaders limitHeaders) {
        this.deps = deps;
        this.call = call;
        this.key = key;
        this.limited = limited;
        List<String> c = new ArrayList<>();
        c.add(group);
        for (String g : deps.retryPolicy().fallbackChain(group)) {
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
        this.endpoint = endpoint;
        this.limitHeaders = limitHeaders;
        this.forwarded = forwardedHeaders(call.headers());
        this.retriesLeft = deps.numRetries();
    }

    void begin() {
        guarded(null, () -> {
            call.onClientGone(() -> guarded(null, this::clientGone));
            attempt();
        });
    }

    // ---- attempts -------------------------------------------------------------------------------

    private synchronized void attempt() {
        pendingRetry = null;
        if (finished) {
            return;
        }
        String group = chain.get(groupIndex);
        long now = System.currentTimeMillis();
        Route route = deps.router().pick(group, reservedTokens, now);
        if (route == null) {
            if (nextGroup()) {
                attempt();
                return;
            }
            long waitMs = deps.router().retryAfterMillis(chain.get(0), reservedTokens, now);
            ApiError e = lastError != null ? lastError : new ApiError(429, "No deployments available for model group '"
                    + ProxyService.clip(chain.get(0)) + "': every deployment is cooling down or at its rpm/tpm capacity.",
                    "rate_limit_error", null, "no_deployments_available");
            finishWithError(e.status() == 429 || lastError == null
                    ? e.withRetryAfter(Math.max(1, (waitMs + 999) / 1000)) : e);
            return;
        }
        Attempt a = new Attempt(this, route, group);
        current = a; // from here on, the route is ended whatever happens (see guarded)
        attempts++;
        ProxyService.step("picked");
        Deployment d = route.deployment();
        UpstreamClient client = deps.clients().get(d.id());
        a.exchange = client.post(endpoint.upstreamPath, upstreamBody(d), forwarded, d.timeout().toMillis(), a);
        ProxyService.step("sent");
    }

    private boolean nextGroup() {
        if (groupIndex + 1 >= chain.size()) {
            return false;
        }
        groupIndex++;
        retriesLeft = deps.numRetries();
        return true;
    }

    private byte[] upstreamBody(Deployment d) {
        ObjectNode b = body.deepCopy();
        b.put("model", d.upstreamModel());
        if (stream && endpoint == Endpoint.CHAT && !clientWantsUsage) {
            // the gateway needs the usage to settle the key's tokens; the client did not ask, so the usage
            // chunk is dropped on the way back (StreamRelay). stream_options may be absent or null.
            ObjectNode opts = b.get("stream_options") instanceof ObjectNode o ? o : b.putObject("stream_options");
            opts.put("include_usage", true);
        }
        try {
            return deps.json().writeValueAsBytes(b);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A failed attempt: report it, then retry, fall back, or answer the error. */
    synchronized void attemptFailed(Attempt a, int status, long retryAfterMillis, ApiError error, String kind) {
        deps.router().onEnd(a.route, status, 0, System.currentTimeMillis());
        deps.metrics().upstreamError(a.group, a.deployment.id(), kind);
        if (finished || a != current) {
            return;
        }
        current = null;
        lastError = error;
        if (retriesLeft > 0) {
            retriesLeft--;
            retriesDone++;
            long delay = deps.retryPolicy().backoffMillis(retriesDone, retryAfterMillis, ThreadLocalRandom.current());
            try {
                pendingRetry = deps.timers().schedule(() -> guarded(null, this::attempt), delay, TimeUnit.MILLISECONDS);
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
            deps.router().onEnd(a.route, Router.CANCELLED, 0, System.currentTimeMillis());
        }
        finish();
    }

    // ---- what an attempt reads and settles -------------------------------------------------------

    ProxyDependencies deps() {
        return deps;
    }

    HttpCall call() {
        return call;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** The client asked for a stream. */
    boolean stream() {
        return stream;
    }

    boolean clientWantsUsage() {
        return clientWantsUsage;
    }

    /** The client's stream has started (read on the attempt's event loop, which started it). */
    boolean streaming() {
        return streaming;
    }

    /** True while {@code a} is the attempt in flight and the request is not finished. */
    synchronized boolean isCurrent(Attempt a) {
        return !finished && current == a;
    }

    /** Must hold the monitor. Starts the client's stream with the answer's status and headers. */
    void startStream(int status, HttpHeaders headers) {
        streaming = call.startStream(status, headers);
    }

    /** Must hold the monitor. The current attempt answered the request: no attempt is in flight, finish. */
    void settle() {
        current = null;
        finish();
    }

    /** Must hold the monitor. The current attempt ends the request with an error answer. */
    void settleWithError(ApiError e) {
        current = null;
        finishWithError(e);
    }

    // ---- failure safety -------------------------------------------------------------------------

    /** Runs one entry point of the request; an exception aborts the request (see {@link #abort}). */
    void guarded(Attempt a, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            abort(a, e);
            if (e instanceof VirtualMachineError vm) {
                throw vm;
            }
        }
    }

    /**
     * A defect on the request's path: end every route it holds (as cancelled: not the deployment's fault),
     * abandon the exchange, answer 500 (or end a started stream with an error event), release the slot.
     * Each of these happens at most once, however many times abort runs.
     */
    private synchronized void abort(Attempt a, Throwable cause) {
        LOG.log(System.Logger.Level.ERROR, "request to group " + chain.get(0) + " failed inside the gateway", cause);
        Attempt c = current;
        current = null;
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
        long now = System.currentTimeMillis();
        for (Attempt x : new Attempt[] {a, c}) {
            if (x != null) {
                if (x.exchange != null) {
                    x.exchange.cancel();
                }
                deps.router().onEnd(x.route, Router.CANCELLED, 0, now);
            }
        }
        if (finished) {
            return;
        }
        ApiError e = ApiError.internal();
        finish();
        if (streaming) {
            streamError(e);
        } else {
            call.respond(e, responseHeaders(null, null));
        }
    }

    private void finishWithError(ApiError e) {
        finish();
        call.respond(e, responseHeaders(null, null));
    }

    /**
     * Must hold the monitor. Releases what the request holds, once; called before the answer's last byte is
     * written, so a client that sends its next request the moment it has this answer finds the slot free.
     */
    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (limited) {
            deps.limiter().release(key.key());
        }
    }

    void streamError(ApiError e) {
        try {
            byte[] json = deps.json().writeValueAsBytes(e.toJson());
            ByteBuf out = Unpooled.buffer(json.length + 8);
            out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII)).writeBytes(json).writeByte('\n').writeByte('\n');
            call.streamChunk(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ignored) {
            // the stream still ends below
        }
        call.endStream();
    }

    HttpHeaders responseHeaders(Deployment d, HttpResponse upstreamHead) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (limitHeaders != null) {
            h.add(limitHeaders);
        }
        if (upstreamHead != null) {
            for (String name : PASSED_BACK) {
                String v = upstreamHead.headers().get(name);
                if (v != null) {
                    h.set(name, v);
                }
            }
        }
        if (d != null) {
            h.set("x-gateway-model-id", d.id());
        }
        h.set("x-gateway-attempted-retries", Math.max(0, attempts - 1));
        return h;
    }

    private static HttpHeaders forwardedHeaders(HttpHeaders client) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String name : FORWARDED) {
            String v = client.get(name);
            if (v != null) {
                h.set(name, v);
            }
        }
        return h;
    }

    void reconcile(long totalTokens) {
        if (limited && totalTokens >= 0) {
            deps.limiter().reconcile(key.key(), reservedTokens, totalTokens, acquiredAtMillis, ProxyService.limiterClock());
        }
    }
}
