package dev.fastllm.fallback.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves {@code GET /metrics} in the Prometheus text format on the JDK's own HTTP server
 * ({@code com.sun.net.httpserver}). Every thread it starts is a daemon, so it never keeps the application
 * alive; it binds loopback unless a host is given.
 *
 * <p>The server is reached by reflection through the platform class loader: the module
 * {@code jdk.httpserver} is defined to the platform loader, so a class loaded from the bootstrap search path
 * (where the agent puts this module) cannot link against it directly.
 */
public final class PrometheusEndpoint implements AutoCloseable {

    /** The Prometheus text exposition format's content type. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Object server;
    private final ExecutorService executor;
    private final HttpApi api;

    private PrometheusEndpoint(Object server, ExecutorService executor, HttpApi api) {
        this.server = server;
        this.executor = executor;
        this.api = api;
    }

    /**
     * A Prometheus registry that ignores the application's {@code prometheus.properties}: the Prometheus
     * client looks that file up through the thread context class loader, which may be null or the
     * application's; it is swapped for an empty loader while the registry is built.
     */
    public static PrometheusMeterRegistry newRegistry() {
        Thread t = Thread.currentThread();
        ClassLoader saved = t.getContextClassLoader();
        try {
            t.setContextClassLoader(EmptyLoader.INSTANCE);
            return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        } finally {
            t.setContextClassLoader(saved);
        }
    }

    /** Finds no class and no resource of the application. */
    static final class EmptyLoader extends ClassLoader {
        static final EmptyLoader INSTANCE = new EmptyLoader();

        private EmptyLoader() {
            super(null);
        }

        @Override
        public java.net.URL getResource(String name) {
            return null;
        }

        @Override
        public java.io.InputStream getResourceAsStream(String name) {
            return null;
        }
    }

    /** The reflective view of {@code com.sun.net.httpserver}, resolved once through the platform loader. */
    static final class HttpApi {
        final Class<?> handlerType;
        final Method create;
        final Method createContext;
        final Method setExecutor;
        final Method start;
        final Method stop;
        final Method address;
        final Method requestMethod;
        final Method requestUri;
        final Method responseHeaders;
        final Method sendResponseHeaders;
        final Method responseBody;
        final Method close;
        final Method headersSet;

        HttpApi() throws ReflectiveOperationException {
            ClassLoader platform = ClassLoader.getPlatformClassLoader();
            Class<?> server = Class.forName("com.sun.net.httpserver.HttpServer", true, platform);
            Class<?> exchange = Class.forName("com.sun.net.httpserver.HttpExchange", true, platform);
            Class<?> headers = Class.forName("com.sun.net.httpserver.Headers", true, platform);
            handlerType = Class.forName("com.sun.net.httpserver.HttpHandler", true, platform);
            create = server.getMethod("create", InetSocketAddress.class, int.class);
            createContext = server.getMethod("createContext", String.class, handlerType);
            setExecutor = server.getMethod("setExecutor", Executor.class);
            start = server.getMethod("start");
            stop = server.getMethod("stop", int.class);
            address = server.getMethod("getAddress");
            requestMethod = exchange.getMethod("getRequestMethod");
            requestUri = exchange.getMethod("getRequestURI");
            responseHeaders = exchange.getMethod("getResponseHeaders");
            sendResponseHeaders = exchange.getMethod("sendResponseHeaders", int.class, long.class);
            responseBody = exchange.getMethod("getResponseBody");
            close = exchange.getMethod("close");
            headersSet = headers.getMethod("set", String.class, String.class);
        }

        Object call(Method m, Object target, Object... args) throws IOException {
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException) {
                    throw (IOException) cause;
                }
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                if (cause instanceof Error) {
                    throw (Error) cause;
                }
                throw new IOException(cause);
            } catch (IllegalAccessException e) {
                throw new IOException(e);
            }
        }
    }

    /**
     * Starts serving {@code registry} on {@code host:port}; {@code host} null means loopback, port 0 a free
     * port (see {@link #port()}).
     */
    public static PrometheusEndpoint start(String host, int port, PrometheusMeterRegistry registry) throws IOException {
        HttpApi api;
        try {
            api = new HttpApi();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IOException("the JDK HTTP server (module jdk.httpserver) is not available", e);
        }
        InetSocketAddress address = host == null
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
                : new InetSocketAddress(host, port);
        Object server = api.call(api.create, null, address, 16);
        Object handler = Proxy.newProxyInstance(api.handlerType.getClassLoader(), new Class<?>[] {api.handlerType},
                new Handler(api, registry));
        api.call(api.createContext, server, "/metrics", handler);
        ExecutorService executor = Executors.newSingleThreadExecutor(new DaemonThreads());
        api.call(api.setExecutor, server, executor);
        try {
            startOnDaemonThread(api, server);
        } catch (IOException | RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
        return new PrometheusEndpoint(server, executor, api);
    }

    /**
     * The JDK server's dispatcher thread inherits the daemon status of the thread that calls start(), so
     * start it from a daemon thread.
     */
    private static void startOnDaemonThread(HttpApi api, Object server) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread starter = new Thread(new Starter(api, server, failure), "fast-llm-metrics-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the metrics endpoint", e);
        }
        if (failure.get() != null) {
            throw new IOException("metrics endpoint did not start", failure.get());
        }
    }

    private static final class Starter implements Runnable {
        private final HttpApi api;
        private final Object server;
        private final AtomicReference<Throwable> failure;

        Starter(HttpApi api, Object server, AtomicReference<Throwable> failure) {
            this.api = api;
            this.server = server;
            this.failure = failure;
        }

        @Override
        public void run() {
            try {
                api.call(api.start, server);
            } catch (Throwable t) {
                failure.set(t);
            }
        }
    }

    private static final class DaemonThreads implements ThreadFactory {
        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "fast-llm-metrics");
            t.setDaemon(true);
            return t;
        }
    }

    /** The {@code HttpHandler}, as a proxy: answers GET and HEAD on /metrics, 404 elsewhere, 405 otherwise. */
    private static final class Handler implements InvocationHandler {
        private final HttpApi api;
        private final PrometheusMeterRegistry registry;

        Handler(HttpApi api, PrometheusMeterRegistry registry) {
            this.api = api;
            this.registry = registry;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "handle":
                    handle(args[0]);
                    return null;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    return "fast-llm metrics handler";
            }
        }

        private void handle(Object exchange) throws IOException {
            try {
                String method = (String) api.call(api.requestMethod, exchange);
                URI uri = (URI) api.call(api.requestUri, exchange);
                Object headers = api.call(api.responseHeaders, exchange);
                if (!uri.getPath().equals("/metrics")) {
                    api.call(api.sendResponseHeaders, exchange, 404, -1L);
                    return;
                }
                if (!method.equals("GET") && !method.equals("HEAD")) {
                    api.call(api.headersSet, headers, "Allow", "GET, HEAD");
                    api.call(api.sendResponseHeaders, exchange, 405, -1L);
                    return;
                }
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                api.call(api.headersSet, headers, "Content-Type", CONTENT_TYPE);
                if (method.equals("HEAD")) {
                    api.call(api.sendResponseHeaders, exchange, 200, -1L);
                    return;
                }
                api.call(api.sendResponseHeaders, exchange, 200, (long) body.length);
                try (OutputStream out = (OutputStream) api.call(api.responseBody, exchange)) {
                    out.write(body);
                }
            } finally {
                api.call(api.close, exchange);
            }
        }
    }

    /** The bound address (useful after binding port 0). */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) api.call(api.address, server);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bound port. */
    public int port() {
        return address().getPort();
    }

    /** Stops serving at once. */
    @Override
    public void close() {
        try {
            api.call(api.stop, server, 0);
        } catch (IOException | RuntimeException ignored) {
            // stopping is best effort
        }
        executor.shutdownNow();
    }
}
