package dev.fastllm.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.limits.KeyRateLimiter;
import dev.fastllm.gateway.metrics.GatewayMetrics;
import dev.fastllm.gateway.mock.MockOptions;
import dev.fastllm.gateway.mock.MockProvider;
import dev.fastllm.gateway.proxy.ProxyService;
import dev.fastllm.gateway.routing.RetryPolicy;
import dev.fastllm.gateway.routing.Router;
import dev.fastllm.gateway.server.Auth;
import dev.fastllm.gateway.server.GatewayServer;
import dev.fastllm.gateway.tokens.PromptTokenCounter;
import dev.fastllm.gateway.upstream.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running gateway: the config's deployments bound to their upstream pools, the hot-path components, and
 * the HTTP server. Also starts the embedded mock provider when a deployment's {@code api_base} is
 * {@code embedded:mock}.
 */
public final class Gateway implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    private final GatewayConfig config;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final MockProvider mock;
    private final Map<String, UpstreamClient> clients;
    private final GatewayServer server;
    private final KeyRateLimiter limiter;
    private final Router router;
    /** Counts large prompts off the event loops: a thread per core, a bounded queue (full: 503). */
    private final ThreadPoolExecutor counting = countingExecutor();
    private final List<ScheduledFuture<?>> housekeeping = new ArrayList<>();
    private final int port;
    private final String host;
    private volatile boolean stopped;

    private Gateway(GatewayConfig config, String host, int port, int ioThreads) throws InterruptedException {
        this.config = config;
        this.host = host;
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
        MockProvider startedMock = null;
        Map<String, UpstreamClient> byId = new LinkedHashMap<>();
        try {
            boolean needsMock = config.deployments().stream().anyMatch(Deployment::embeddedMock);
            startedMock = needsMock ? MockProvider.start("127.0.0.1", 0, new MockOptions()) : null;
            this.mock = startedMock;
            this.clients = bindDeployments(startedMock, byId);
            GatewayConfig bound = new GatewayConfig(byId.values().stream().map(UpstreamClient::deployment).toList(),
                    config.router(), config.masterKey(), config.virtualKeys(), config.server(), config.warnings());
            this.limiter = new KeyRateLimiter();
            this.router = new Router(bound.groups(), bound.router(), System.nanoTime());
            this.server = newServer(bound);
            this.port = server.start(host, port);
        } catch (InterruptedException | RuntimeException | Error e) {
            // nothing of a gateway that did not start may outlive it: upstream pools, the mock, the event loops
            byId.values().forEach(UpstreamClient::close);
            if (startedMock != null) {
                startedMock.close();
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            counting.shutdownNow();
            throw e;
        }

        housekeeping.add(workers.scheduleWithFixedDelay(() -> limiter.evictIdle(System.nanoTime() / 1_000_000),
                30, 30, TimeUnit.SECONDS));
        long idleCheck = Math.max(1, Math.min(10, config.server().idleConnectionTimeout().toSeconds() / 2));
        housekeeping.add(workers.scheduleWithFixedDelay(() -> clients.values().forEach(c -> {
            if (c.pool() != null) {
                c.pool().evictIdle();
            }
        }), idleCheck, idleCheck, TimeUnit.SECONDS));
    }

    private static ThreadPoolExecutor countingExecutor() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "gateway-token-count-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** One upstream client per deployment, the embedded mock's address filled in; collected into {@code byId}. */
    private Map<String, UpstreamClient> bindDeployments(MockProvider mock, Map<String, UpstreamClient> byId) {
        SslContext ssl;
        try {
            ssl = SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot create the TLS client context", e);
        }
        for (Deployment d : config.deployments()) {
            Deployment b = d.embeddedMock() ? d.withApiBase(mock.baseUri()) : d;
            byId.put(b.id(), new UpstreamClient(b, workers, config.server(), ssl));
        }
        return Map.copyOf(byId);
    }

    private GatewayServer newServer(GatewayConfig bound) {
        ObjectMapper json = new ObjectMapper();
        GatewayMetrics metrics = new GatewayMetrics();
        clients.forEach((id, client) -> {
            if (client.pool() != null) {
                metrics.pool(id, client.pool());
            }
        });
        RetryPolicy retry = new RetryPolicy(bound.router(), bound.server().maxRetryAfter());
        PromptTokenCounter tokens = new PromptTokenCounter();
        // load both vocabularies now rather than on the first request
        tokens.countText(PromptTokenCounter.O200K_BASE, "warm up");
        tokens.countText(PromptTokenCounter.CL100K_BASE, "warm up");
        ProxyService proxy = new ProxyService(bound, clients, router, retry, limiter, tokens, metrics, workers,
                counting, json);
        GatewayServer s = new GatewayServer(boss, workers, proxy, new Auth(bound), config.server(), json);
        metrics.inFlight(s::inFlight);
        return s;
    }

    /** Starts a gateway on {@code host:port} (port 0 picks a free port). */
    public static Gateway start(GatewayConfig config, String host, int port) throws InterruptedException {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        Gateway g = new Gateway(config, host, port, threads);
        for (String w : config.warnings()) {
            LOG.log(System.Logger.Level.WARNING, "config: " + w);
        }
        for (Map.Entry<String, List<Deployment>> e : config.groups().entrySet()) {
            LOG.log(System.Logger.Level.INFO, "model group " + e.getKey() + ": " + e.getValue().size()
                    + " deployment(s), strategy " + config.router().routingStrategy());
        }
        LOG.log(System.Logger.Level.INFO, "gateway listening on http://" + host + ":" + g.port
                + (g.mock != null ? " (embedded mock provider at " + g.mock.baseUri() + ")" : ""));
        return g;
    }

    public int port() {
        return port;
    }

    /** {@code http://host:port} of the gateway. */
    public URI baseUri() {
        String h = host.equals("0.0.0.0") ? "127.0.0.1" : host;
        return URI.create("http://" + h + ":" + port);
    }

    /** The embedded mock provider, if the config uses one. */
    public MockProvider embeddedMock() {
        return mock;
    }

    public GatewayConfig config() {
        return config;
    }

    /** The per-key limiter every proxied request goes through (for inspection: slots held, tracked keys). */
    public KeyRateLimiter limiter() {
        return limiter;
    }

    /** The deployment router (for inspection: in-flight counts, cooldowns). */
    public Router router() {
        return router;
    }

    /**
     * Graceful stop: stop accepting, let in-flight requests (streams included) finish within the config's
     * drain timeout, then release everything.
     *
     * @return true when nothing in flight was cut off
     */
    public synchronized boolean drainAndStop() {
        if (stopped) {
            return true;
        }
        stopped = true;
        boolean clean;
        try {
            clean = server.drain(config.server().drainTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            clean = false;
        }
        housekeeping.forEach(f -> f.cancel(false));
        counting.shutdownNow();
        clients.values().forEach(UpstreamClient::close);
        if (mock != null) {
            mock.close();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (!clean) {
            LOG.log(System.Logger.Level.WARNING, "drain timeout: some requests were still in flight at shutdown");
        }
        return clean;
    }

    @Override
    public void close() {
        drainAndStop();
    }
}
