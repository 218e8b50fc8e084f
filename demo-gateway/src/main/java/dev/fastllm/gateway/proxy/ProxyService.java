package dev.fastllm.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.VirtualKey;
import dev.fastllm.gateway.limits.KeyLimits;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.limits.RateLimitDecision;
import dev.fastllm.gateway.metrics.GatewayMetrics;
import dev.fastllm.gateway.routing.RetryPolicy;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.server.Api;
import dev.fastllm.gateway.server.ApiError;
import dev.fastllm.gateway.server.HttpCall;
import dev.fastllm.gateway.tokens.PromptTokenCounter;
import dev.fastllm.gateway.upstream.UpstreamClient;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The request path behind {@code /v1/chat/completions} and {@code /v1/embeddings}:
 *
 * <pre>
 * validate body -> group exists, key may use it -> count prompt tokens (PromptTokenCounter)
 *   -> context window check -> key limits (KeyRateLimiter.tryAcquire) -> ProxyCall: pick a deployment
 *   (Router.pick), send over its pool (UpstreamClient), retry with backoff, then fallback groups
 * </pre>
 *
 * Everything a request holds (its rate-limit slot, its deployment's in-flight count, its upstream
 * connection) is released exactly once, whatever the outcome: see {@link ProxyCall}.
 */
public final class ProxyService implements Api {

    private static final System.Logger LOG = System.getLogger(ProxyService.class.getName());

    /**
     * Test seam: when set, called with the name of each step a request reaches once it holds a key's slot or
     * a route ("admitted", "picked", "sent", "head", "content", "complete", "error"); a test makes it throw to
     * prove that a failure at any step still releases both. Null in production (one volatile read a step).
     */
    static volatile java.util.function.Consumer<String> stepProbe;

    /**
     * Bodies up to this size are parsed and counted on the event loop (well under a millisecond); larger ones
     * on the {@code counting} executor.
     */
    static final int COUNT_ON_EVENT_LOOP_BYTES = 16 * 1024;

    private final KeyRateLimiter limiter;
    private final PromptTokenCounter tokens;
    private final GatewayMetrics metrics;
    private final ObjectMapper json;
    private final Executor counting;
    private final ProxyDependencies deps;
    private final Map<String, List<Deployment>> groups;

    public ProxyService(GatewayConfig config, Map<String, UpstreamClient> clients, Router router,
                        RetryPolicy retryPolicy, KeyRateLimiter limiter, PromptTokenCounter tokens,
                        GatewayMetrics metrics, ScheduledExecutorService timers, Executor counting, ObjectMapper json) {
        this.limiter = limiter;
        this.tokens = tokens;
        this.metrics = metrics;
        this.json = json;
        this.counting = counting;
        this.deps = new ProxyDependencies(router, limiter, clients, retryPolicy, config.router().numRetries(), metrics,
                timers, json, new UpstreamErrors(json));
        this.groups = config.groups();
    }

    @Override
    public void chatCompletions(HttpCall call, VirtualKey key) {
        offLoopIfLarge(call, key, Endpoint.CHAT);
    }

    @Override
    public void embeddings(HttpCall call, VirtualKey key) {
        offLoopIfLarge(call, key, Endpoint.EMBEDDINGS);
    }

    @Override
    public void responses(HttpCall call, VirtualKey key) {
        offLoopIfLarge(call, key, Endpoint.RESPONSES);
    }

    /**
     * Serves a small request on the event loop; a large one (its JSON parse and token count take milliseconds
     * to seconds) on the {@code counting} executor, so it never holds up the other connections of its loop.
     */
    private void offLoopIfLarge(HttpCall call, VirtualKey key, Endpoint endpoint) {
        if (call.body().length <= COUNT_ON_EVENT_LOOP_BYTES) {
            serve(call, key, endpoint);
            return;
        }
        try {
            counting.execute(() -> {
                if (call.ended()) {
                    return; // the client left while the request waited its turn
                }
                try {
                    serve(call, key, endpoint);
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "request to " + call.path() + " failed inside the gateway", e);
                    call.respond(ApiError.internal());
                }
            });
        } catch (RejectedExecutionException busy) {
            call.respond(new ApiError(503, "The gateway is busy with other large requests; retry shortly.",
                    "api_error", null, "overloaded").withRetryAfter(1));
        }
    }

    private void serve(HttpCall call, VirtualKey key, Endpoint endpoint) {
        RequestValidator.Parsed parsed = switch (endpoint) {
            case CHAT -> RequestValidator.chat(json, call.body());
            case RESPONSES -> RequestValidator.responses(json, call.body());
            case EMBEDDINGS -> RequestValidator.embeddings(json, call.body());
        };
        if (parsed.error() != null) {
            refuse(call, key, parsed.error());
            return;
        }
        ObjectNode body = parsed.body();
        String group = body.get("model").asText();
        List<Deployment> deployments = accessible(call, key, group);
        if (deployments == null) {
            return;
        }
        // cheap decisions before tokens are counted: a key already out of requests, parallel slots or tokens is
        // refused without paying for its prompt (the real, atomic check is tryAcquire below)
        if (key.limited()) {
            KeyLimits limits = KeyLimits.of(key);
            RateLimitDecision d = limiter.peek(key.key(), limits, limiterClock());
            if (!d.allowed()) {
                throttled(call, d, limits);
                return;
            }
        }
        countAndStart(call, key, group, deployments, body, endpoint);
    }

    private void countAndStart(HttpCall call, VirtualKey key, String group, List<Deployment> deployments,
                               ObjectNode body, Endpoint endpoint) {
        String model = deployments.get(0).upstreamModel();
        int prompt = switch (endpoint) {
            case CHAT -> tokens.countChat(model, body.get("messages"), body.get("tools"));
            case RESPONSES -> tokens.countResponsesInput(model, body.get("instructions"), body.get("input"), body.get("tools"));
            case EMBEDDINGS -> tokens.countEmbeddingInput(model, body.get("input"));
        };
        JsonNode budget = switch (endpoint) {
            case CHAT -> body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
            case RESPONSES -> body.get("max_output_tokens");
            case EMBEDDINGS -> null;
        };
        long reserve = prompt + (budget == null || budget.isNull() ? 0 : budget.asLong());
        boolean stream = endpoint != Endpoint.EMBEDDINGS && body.path("stream").asBoolean(false);
        start(call, key, group, deployments, body, prompt, reserve, stream, endpoint);
    }

    private List<Deployment> accessible(HttpCall call, VirtualKey key, String group) {
        List<Deployment> deployments = groups.get(group);
        if (deployments == null) {
            refuse(call, key, ApiError.notFound("The model '" + clip(group) + "' does not exist or you do not have access to it.",
                    "model_not_found"));
            return null;
        }
        if (!key.allows(group)) {
            refuse(call, key, new ApiError(403, "This key is not allowed to use model '" + clip(group) + "'.",
                    "permission_error", "model", "model_not_allowed"));
            return null;
        }
        call.modelGroup(group);
        return deployments;
    }

    private void start(HttpCall call, VirtualKey key, String group, List<Deployment> deployments, ObjectNode body,
                       int promptTokens, long reserve, boolean stream, Endpoint endpoint) {
        OptionalInt window = deployments.stream().map(Deployment::maxInputTokens)
                .filter(OptionalInt::isPresent).mapToInt(OptionalInt::getAsInt).min().stream().findFirst();
        if (window.isPresent() && promptTokens > window.getAsInt()) {
            refuse(call, key, ApiError.invalidRequest("This model's maximum context length is " + window.getAsInt()
                    + " tokens. However, your messages resulted in " + promptTokens
                    + " tokens. Please reduce the length of the messages.", "messages", "context_length_exceeded"));
            return;
        }
        long now = limiterClock();
        HttpHeaders limitHeaders = null;
        boolean limited = key.limited();
        if (limited) {
            KeyLimits limits = KeyLimits.of(key);
            RateLimitDecision d = limiter.tryAcquire(key.key(), limits, reserve, now);
            limitHeaders = rateLimitHeaders(d, limits);
            if (!d.allowed()) {
                throttled(call, d, limits);
                return;
            }
        }
        ProxyCall proxyCall;
        try {
            step("admitted");
            proxyCall = new ProxyCall(deps, call, key, limited, group, body, reserve, now, stream, endpoint, limitHeaders);
        } catch (RuntimeException | Error e) {
            if (limited) {
                limiter.release(key.key()); // admitted above; no ProxyCall will release it
            }
            LOG.log(System.Logger.Level.ERROR, "request to group " + clip(group) + " failed inside the gateway", e);
            call.respond(ApiError.internal(), limitHeaders);
            if (e instanceof VirtualMachineError vm) {
                throw vm;
            }
            return;
        }
        proxyCall.begin();
    }

    static void step(String name) {
        java.util.function.Consumer<String> probe = stepProbe;
        if (probe != null) {
            probe.accept(name);
        }
    }

    private static void throttled(HttpCall call, RateLimitDecision d, KeyLimits limits) {
        String what = switch (d.rejectedBy()) {
            case REQUESTS -> "requests per minute (rpm_limit " + limits.rpm() + ")";
            case TOKENS -> "tokens per minute (tpm_limit " + limits.tpm() + ")";
            case PARALLEL -> "parallel requests (max_parallel_requests " + limits.maxParallel() + ")";
            default -> "limit";
        };
        call.respond(new ApiError(429, "Rate limit exceeded for this key: " + what + ". Retry after "
                + d.retryAfterSeconds() + " s.", "throttling_error", null, "429")
                .withRetryAfter(d.retryAfterSeconds()), rateLimitHeaders(d, limits));
    }

    /** The key limiter's clock: monotonic milliseconds, immune to wall-clock steps. */
    static long limiterClock() {
        return System.nanoTime() / 1_000_000;
    }

    /** Answers an error before the key's limits were consulted; a limited key still sees its x-ratelimit headers. */
    private void refuse(HttpCall call, VirtualKey key, ApiError error) {
        HttpHeaders headers = null;
        if (key.limited()) {
            KeyLimits limits = KeyLimits.of(key);
            headers = rateLimitHeaders(limiter.peek(key.key(), limits, limiterClock()), limits);
        }
        call.respond(error, headers);
    }

    static HttpHeaders rateLimitHeaders(RateLimitDecision d, KeyLimits limits) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (limits.limitsRequests()) {
            h.set("x-ratelimit-limit-requests", d.limitRequests());
            h.set("x-ratelimit-remaining-requests", Math.max(0, d.remainingRequests()));
        }
        if (limits.limitsTokens()) {
            h.set("x-ratelimit-limit-tokens", d.limitTokens());
            h.set("x-ratelimit-remaining-tokens", Math.max(0, d.remainingTokens()));
        }
        return h;
    }

    @Override
    public JsonNode models(VirtualKey key) {
        ObjectNode root = json.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = 1_700_000_000L;
        for (String group : groups.keySet()) {
            if (key.allows(group)) {
                data.addObject().put("id", group).put("object", "model").put("created", created)
                        .put("owned_by", "fast-llm-gateway");
            }
        }
        return root;
    }

    @Override
    public String metrics() {
        return metrics.scrape();
    }

    @Override
    public void requestEnded(HttpCall call) {
        String route = call.path().endsWith("/chat/completions") ? "chat_completions"
                : call.path().endsWith("/embeddings") ? "embeddings"
                : call.path().endsWith("/responses") ? "responses"
                : call.path().endsWith("/models") ? "models" : "other";
        if (!"other".equals(route) || call.status() >= 400) {
            metrics.requestEnded(route, call.modelGroup(), call.status(), System.nanoTime() - call.startNanos());
        }
    }

    static String clip(String s) {
        String c = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return c.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
