package dev.fastllm.gateway.mock;

import java.util.List;
import java.util.Locale;

/**
 * Behaviour of a {@link MockProvider}: latency, streaming shape and injected faults.
 *
 * <p>Every setting is a volatile field read once per request, so a test may change faults while the
 * provider runs (turn on a 100% error rate, check the gateway fails over, turn it off again). Setters
 * validate and return {@code this}; a bad value throws {@link IllegalArgumentException} naming the setting.
 * {@link #host()} and {@link #port()} are read only by {@link MockProvider#runCli(String[])}.
 *
 * <p>Rates are probabilities from 0 to 1, drawn independently per request in this order: reset, 429,
 * then (after the latency) 500. See {@link MockProvider} for what each fault looks like on the wire.
 *
 * <p>{@link #usageCounting()} chooses how {@code usage} is counted: exactly with JTokkit (the default, what tests of token
 * accounting need), or estimated from the text's length for benchmarks, where an exact count of a 16 000-token
 * prompt would cost the mock as much CPU as the gateway under test spends, on the same two cores.
 */
public final class MockOptions {

    /** Port used by the command line when {@code --port} is absent: next to the gateway's 4000. */
    public static final int DEFAULT_PORT = 4001;
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_STREAM_CHUNKS = 5;
    public static final long DEFAULT_SLOW_MILLIS = 1_000;

    private static final long MAX_MILLIS = 3_600_000;
    private static final int MAX_STREAM_CHUNKS = 10_000;

    private volatile String host = DEFAULT_HOST;
    private volatile int port = DEFAULT_PORT;
    private volatile long latencyMillis;
    private volatile int streamChunks = DEFAULT_STREAM_CHUNKS;
    private volatile long chunkDelayMillis;
    private volatile double errorRate;
    private volatile double rateLimitRate;
    private volatile double slowRate;
    private volatile long slowMillis = DEFAULT_SLOW_MILLIS;
    private volatile double resetRate;
    private volatile Usage usage = Usage.EXACT;

    /** How the mock counts the tokens it reports in {@code usage} (and cuts a reply at a token limit). */
    public enum Usage {
        /** JTokkit, the model's own encoding: the counts OpenAI would report. */
        EXACT,
        /** One token per four UTF-16 characters, rounded up: a length read, the same cost for every prompt. */
        ESTIMATE
    }

    /** Defaults: no latency, 5 stream chunks without delay, no faults, slow responses 1000 ms extra when enabled. */
    public MockOptions() {
    }

    /**
     * Parses command-line flags: {@code --host H --port N --latency-ms N --stream-chunks N --chunk-delay-ms N
     * --error-rate F --429-rate F --slow-rate F --slow-ms N --reset-rate F --usage exact|estimate}, each also as {@code --flag=value}.
     * A leading {@code mock} sub-command word is skipped.
     *
     * @throws IllegalArgumentException for an unknown flag, a missing value or a value out of range
     */
    public static MockOptions fromArgs(String[] args) {
        MockOptions o = new MockOptions();
        int i = 0;
        if (args.length > 0 && "mock".equals(args[0])) {
            i = 1;
        }
        for (; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                if (!FLAGS.contains(flag)) {
                    throw unknown(arg);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + ": missing value");
                }
                value = args[++i];
            }
            switch (flag) {
                case "--host" -> o.host(value);
                case "--port" -> o.port((int) parseLong(flag, value, 0, 65_535));
                case "--latency-ms" -> o.latencyMillis(parseLong(flag, value, 0, MAX_MILLIS));
                case "--stream-chunks" -> o.streamChunks((int) parseLong(flag, value, 1, MAX_STREAM_CHUNKS));
                case "--chunk-delay-ms" -> o.chunkDelayMillis(parseLong(flag, value, 0, MAX_MILLIS));
                case "--error-rate" -> o.errorRate(parseRate(flag, value));
                case "--429-rate" -> o.rateLimitRate(parseRate(flag, value));
                case "--slow-rate" -> o.slowRate(parseRate(flag, value));
                case "--slow-ms" -> o.slowMillis(parseLong(flag, value, 0, MAX_MILLIS));
                case "--reset-rate" -> o.resetRate(parseRate(flag, value));
                case "--usage" -> o.usageCounting(parseUsage(value));
                default -> throw unknown(arg);
            }
        }
        return o;
    }

    /** One line per flag, for {@code --help} and error messages. */
    public static String usage() {
        return String.join(System.lineSeparator(),
                "usage: mock [--host H] [--port N] [--latency-ms N] [--stream-chunks N] [--chunk-delay-ms N]",
                "            [--error-rate F] [--429-rate F] [--slow-rate F] [--slow-ms N] [--reset-rate F]",
                "            [--usage exact|estimate]",
                "  --host H            address to bind (default " + DEFAULT_HOST + ")",
                "  --port N            port, 0 for any free port (default " + DEFAULT_PORT + ")",
                "  --latency-ms N      delay before every chat/responses/embeddings answer (default 0)",
                "  --stream-chunks N   content chunks (text deltas) per streamed answer (default " + DEFAULT_STREAM_CHUNKS + ")",
                "  --chunk-delay-ms N  pause before each streamed content chunk (default 0)",
                "  --error-rate F      share of requests answered 500 (0..1, default 0)",
                "  --429-rate F        share of requests answered 429 with retry-after: 1 (0..1, default 0)",
                "  --slow-rate F       share of requests delayed by --slow-ms more (0..1, default 0)",
                "  --slow-ms N         extra delay of a slow request (default " + DEFAULT_SLOW_MILLIS + ")",
                "  --reset-rate F      share of connections reset (TCP RST) instead of answered (0..1, default 0)",
                "  --usage exact|estimate  usage tokens counted with JTokkit, or estimated as 1 per 4 chars for",
                "                      benchmarks, where exact counting would load the mock like the gateway (default exact)");
    }

    private static final List<String> FLAGS = List.of("--host", "--port", "--latency-ms", "--stream-chunks",
            "--chunk-delay-ms", "--error-rate", "--429-rate", "--slow-rate", "--slow-ms", "--reset-rate", "--usage");

    private static IllegalArgumentException unknown(String arg) {
        return new IllegalArgumentException("unknown argument '" + arg + "'; expected one of " + FLAGS);
    }

    private static long parseLong(String flag, String value, long min, long max) {
        long v;
        try {
            v = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected an integer from " + min + " to " + max
                    + ", got '" + value + "'");
        }
        return checkRange(flag, v, min, max);
    }

    private static Usage parseUsage(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "exact" -> Usage.EXACT;
            case "estimate" -> Usage.ESTIMATE;
            default -> throw new IllegalArgumentException("--usage: expected 'exact' or 'estimate', got '" + value + "'");
        };
    }

    private static double parseRate(String flag, String value) {
        double v;
        try {
            v = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected a number from 0 to 1, got '" + value + "'");
        }
        return checkRate(flag, v);
    }

    private static long checkRange(String name, long v, long min, long max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + ": expected an integer from " + min + " to " + max + ", got " + v);
        }
        return v;
    }

    private static double checkRate(String name, double v) {
        if (!(v >= 0 && v <= 1)) { // also rejects NaN
            throw new IllegalArgumentException(name + ": expected a number from 0 to 1, got "
                    + String.format(Locale.ROOT, "%s", v));
        }
        return v;
    }

    // ---- accessors -----------------------------------------------------------------------------

    public String host() {
        return host;
    }

    public MockOptions host(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host: must not be blank");
        }
        this.host = host.trim();
        return this;
    }

    public int port() {
        return port;
    }

    public MockOptions port(int port) {
        this.port = (int) checkRange("port", port, 0, 65_535);
        return this;
    }

    /** Delay before a chat, responses or embeddings answer (and before a 500), in milliseconds. */
    public long latencyMillis() {
        return latencyMillis;
    }

    public MockOptions latencyMillis(long millis) {
        this.latencyMillis = checkRange("latencyMillis", millis, 0, MAX_MILLIS);
        return this;
    }

    /** Number of content chunks (Responses: text deltas) of a streamed answer (fewer if the content has fewer characters). */
    public int streamChunks() {
        return streamChunks;
    }

    public MockOptions streamChunks(int chunks) {
        this.streamChunks = (int) checkRange("streamChunks", chunks, 1, MAX_STREAM_CHUNKS);
        return this;
    }

    /** Pause before each streamed content chunk, in milliseconds. */
    public long chunkDelayMillis() {
        return chunkDelayMillis;
    }

    public MockOptions chunkDelayMillis(long millis) {
        this.chunkDelayMillis = checkRange("chunkDelayMillis", millis, 0, MAX_MILLIS);
        return this;
    }

    /** Share of chat/responses/embeddings requests answered {@code 500} with an OpenAI {@code server_error}. */
    public double errorRate() {
        return errorRate;
    }

    public MockOptions errorRate(double rate) {
        this.errorRate = checkRate("errorRate", rate);
        return this;
    }

    /** Share of chat/responses/embeddings requests answered {@code 429} at once, with {@code retry-after: 1}. */
    public double rateLimitRate() {
        return rateLimitRate;
    }

    public MockOptions rateLimitRate(double rate) {
        this.rateLimitRate = checkRate("rateLimitRate", rate);
        return this;
    }

    /** Share of chat/responses/embeddings requests delayed by {@link #slowMillis()} on top of the latency. */
    public double slowRate() {
        return slowRate;
    }

    public MockOptions slowRate(double rate) {
        this.slowRate = checkRate("slowRate", rate);
        return this;
    }

    public long slowMillis() {
        return slowMillis;
    }

    public MockOptions slowMillis(long millis) {
        this.slowMillis = checkRange("slowMillis", millis, 0, MAX_MILLIS);
        return this;
    }

    /** Share of chat/responses/embeddings requests whose connection is reset (RST, SO_LINGER 0) instead of answered. */
    public double resetRate() {
        return resetRate;
    }

    public MockOptions resetRate(double rate) {
        this.resetRate = checkRate("resetRate", rate);
        return this;
    }

    /** How {@code usage} is counted; {@link Usage#EXACT} unless {@code --usage estimate}. */
    public Usage usageCounting() {
        return usage;
    }

    public MockOptions usageCounting(Usage usage) {
        if (usage == null) {
            throw new IllegalArgumentException("usage: must not be null");
        }
        this.usage = usage;
        return this;
    }

    @Override
    public String toString() {
        return "MockOptions[latencyMs=" + latencyMillis + ", streamChunks=" + streamChunks + ", chunkDelayMs="
                + chunkDelayMillis + ", errorRate=" + errorRate + ", 429Rate=" + rateLimitRate + ", slowRate="
                + slowRate + ", slowMs=" + slowMillis + ", resetRate=" + resetRate + ", usage=" + usage.name().toLowerCase(Locale.ROOT) + "]";
    }
}
