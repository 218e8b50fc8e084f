package dev.fastllm.gateway;

import dev.fastllm.gateway.config.ConfigException;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.mock.MockProvider;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Command line: {@code java -jar demo-gateway.jar [--config FILE] [--port N] [--host H]} runs the gateway;
 * {@code java -jar demo-gateway.jar mock --port N [--latency-ms N] ...} runs the mock provider alone.
 */
public final class GatewayMain {

    static final String USAGE = """
            usage: java -jar demo-gateway.jar [--config FILE] [--port N] [--host H]
                   java -jar demo-gateway.jar mock --port N [--latency-ms N] [--stream-chunks N] [--error-rate F] ...
              --config FILE  LiteLLM-style config.yaml (default: built-in config on the embedded mock provider)
              --port N       listen port (default 4000)
              --host H       listen address (default 127.0.0.1; 0.0.0.0 for every interface)
            """;

    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("mock")) {
            mock(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Path configFile = null;
        int port = 4000;
        String host = "127.0.0.1";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
                case "--port" -> port = parsePort(value(args, ++i, "--port"));
                case "--host" -> host = value(args, ++i, "--host");
                case "-h", "--help" -> {
                    System.out.print(USAGE);
                    return;
                }
                default -> fail("unknown argument: " + args[i]);
            }
        }
        GatewayConfig config;
        try {
            config = configFile == null ? ConfigLoader.builtIn() : ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            System.err.println("invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(config, host, port);
        } catch (Exception e) {
            // typically the port is taken: say so plainly instead of a stack trace
            System.err.println("cannot start the gateway on " + host + ":" + port + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        // the event loops keep the JVM alive; SIGTERM (or Ctrl-C) drains before exit
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::drainAndStop, "gateway-drain"));
    }

    /** The mock provider alone; a bad flag is one line and exit status 2, like the gateway's own flags. */
    private static void mock(String[] args) {
        try {
            MockProvider.runCli(args);
        } catch (IllegalArgumentException e) {
            System.err.println("mock: " + e.getMessage() + " (mock --help lists the flags)");
            System.exit(2);
        } catch (java.io.UncheckedIOException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            fail(flag + " needs a value");
        }
        return args[i];
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p < 0 || p > 65535) {
                fail("--port must be 0-65535, got " + s);
            }
            return p;
        } catch (NumberFormatException e) {
            fail("--port must be a number, got " + s);
            return -1;
        }
    }

    private static void fail(String message) {
        System.err.println(message);
        System.err.print(USAGE);
        System.exit(2);
    }
}
