package dev.fastllm.gateway.mock;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * An OpenAI-compatible upstream for the gateway's built-in config, end-to-end tests and benchmarks: answers
 * like a provider, deterministically, with latency and faults that can be changed while it runs.
 *
 * <p>Netty HTTP/1.1 with keep-alive; every delay is scheduled on the connection's event loop, nothing blocks.
 * Endpoints, each with and without the {@code /v1} prefix:
 * <ul>
 *   <li>{@code POST /chat/completions}: a {@code chat.completion} whose content names the model and echoes the
 *       first words of the last user message, cut at {@code max_completion_tokens}/{@code max_tokens}
 *       (then {@code finish_reason: "length"}); with {@code stream: true}, SSE: a role chunk,
 *       {@link MockOptions#streamChunks()} content chunks each flushed as its own HTTP chunk after
 *       {@link MockOptions#chunkDelayMillis()}, a finish chunk, a usage chunk if
 *       {@code stream_options.include_usage}, then {@code data: [DONE]}. One choice; {@code n} is ignored.</li>
 *   <li>{@code POST /responses} (OpenAI's Responses API): a {@code response} object whose one assistant
 *       {@code message} item holds the same text as chat would answer, cut at {@code max_output_tokens} (then
 *       {@code status: "incomplete"}); with {@code stream: true}, typed SSE events ({@code event: TYPE} and a
 *       {@code data:} object carrying {@code type} and {@code sequence_number}): {@code response.created},
 *       {@code response.in_progress}, {@code response.output_item.added}, {@code response.content_part.added},
 *       {@link MockOptions#streamChunks()} {@code response.output_text.delta} events paced like chat's content
 *       chunks, {@code response.output_text.done}, {@code response.content_part.done},
 *       {@code response.output_item.done}, then {@code response.completed} (or {@code response.incomplete})
 *       with the usage; no {@code [DONE]}, as OpenAI sends none here. See {@code MockResponses}.</li>
 *   <li>{@code POST /embeddings}: {@code input} as a string, strings, token ids or token arrays; deterministic
 *       unit-length vectors seeded by each input, {@code dimensions} (default 1536) floats, or base64 of
 *       little-endian float32 when {@code encoding_format: "base64"}.</li>
 *   <li>{@code GET /models} and {@code GET /models/{id}}.</li>
 * </ul>
 * {@code usage} is what was returned, counted with JTokkit (or estimated, see {@link MockOptions#usageCounting()}
 * and {@code MockTokens}): completion (output) tokens of
 * the returned content, prompt (input) tokens of the messages (of a Responses request, the messages it stands
 * for), embedding tokens of the inputs. Client mistakes get
 * {@code {"error":{"message","type","param","code"}}} with 400, 404, 405 or 413, decided before any fault.
 * Faults ({@link MockOptions}) apply to chat, responses and embeddings only: reset closes with a TCP RST before any
 * answer; 429 answers at once with {@code retry-after: 1}; 500 answers after the latency.
 */
public final class MockProvider implements AutoCloseable {

    static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final MockOptions options;
    private final EventLoopGroup group;
    private final Channel server;
    private final InetSocketAddress address;
    private final ChannelGroup connections = new DefaultChannelGroup("mock-connections", GlobalEventExecutor.INSTANCE);
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder accepted = new LongAdder();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private MockProvider(MockOptions options, EventLoopGroup group, ServerBootstrap bootstrap, String host, int port) {
        this.options = options;
        this.group = group;
        bootstrap.childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new MockHandler.Aggregator(MAX_BODY_BYTES),
                        new MockHandler(MockProvider.this));
            }
        });
        this.server = bootstrap.bind(host, port).syncUninterruptibly().channel();
        this.address = (InetSocketAddress) server.localAddress();
    }

    /**
     * Binds and starts serving.
     *
     * @param host    address to bind, e.g. {@code 127.0.0.1}
     * @param port    port, or 0 for any free port (see {@link #port()})
     * @param options settings read on every request; keep the reference to change them at run time
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static MockProvider start(String host, int port, MockOptions options) {
        MockTokens.warmUp();
        int threads = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                new DefaultThreadFactory("mock-provider", true), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true);
        try {
            return new MockProvider(options, group, bootstrap, host, port);
        } catch (Exception e) { // bind failures arrive as checked exceptions thrown sneakily
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            IOException io = e instanceof IOException ioe ? ioe : new IOException(e);
            throw new UncheckedIOException("mock provider cannot listen on " + host + ":" + port + ": " + e.getMessage(), io);
        }
    }

    /**
     * The command line: {@code mock [--port N] [--latency-ms N] ...} (see {@link MockOptions#usage()}). Starts the
     * provider, prints one line with its address, and returns only once it is closed, which a shutdown hook does
     * when the JVM exits. {@code --help} prints the usage and returns.
     *
     * @throws IllegalArgumentException for bad flags, before anything is started
     */
    public static void runCli(String[] args) {
        for (String a : args) {
            if ("--help".equals(a) || "-h".equals(a)) {
                System.out.println(MockOptions.usage());
                return;
            }
        }
        MockOptions options = MockOptions.fromArgs(args);
        MockProvider provider = start(options.host(), options.port(), options);
        Runtime.getRuntime().addShutdownHook(new Thread(provider::close, "mock-provider-shutdown"));
        System.out.println("mock provider listening on " + provider.baseUri() + " " + options);
        provider.server.closeFuture().syncUninterruptibly();
    }

    /** The bound port (the real one when started with port 0). */
    public int port() {
        return address.getPort();
    }

    /** Base URI for an OpenAI client or a gateway {@code api_base}: {@code http://HOST:PORT/v1}. */
    public URI baseUri() {
        InetAddress a = address.getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/v1");
    }

    public MockOptions options() {
        return options;
    }

    /**
     * Requests received on a path, whatever their outcome (answered, faulted or rejected). The path is
     * normalised as the server does: {@code /v1/chat/completions} and {@code /chat/completions} count together.
     */
    public long requests(String path) {
        LongAdder n = requests.get(normalize(path));
        return n == null ? 0 : n.sum();
    }

    /** Requests received on every path. */
    public long totalRequests() {
        return requests.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** TCP connections accepted since start: with keep-alive, sequential requests share one. */
    public long connectionsAccepted() {
        return accepted.sum();
    }

    /** TCP connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Zeroes the request and connection counters. */
    public void resetCounters() {
        requests.clear();
        accepted.reset();
    }

    /**
     * Stops listening (the port is free when this returns), closes every connection, cutting off answers still in
     * flight, and stops the event loops. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Override
    public String toString() {
        return "MockProvider[" + baseUri() + "]";
    }

    // ---- for MockHandler -----------------------------------------------------------------------

    void connectionOpened(Channel channel) {
        accepted.increment();
        connections.add(channel);
    }

    void count(String normalizedPath) {
        requests.computeIfAbsent(normalizedPath, p -> new LongAdder()).increment();
    }

    String nextId(String prefix) {
        return prefix + Long.toHexString(ids.incrementAndGet());
    }

    /** Strips the query, trailing slashes and a leading {@code /v1}: {@code /v1/models/} becomes {@code /models}. */
    static String normalize(String path) {
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.equals("/v1")) {
            return "/";
        }
        if (p.startsWith("/v1/")) {
            p = p.substring(3);
        }
        return p;
    }
}
