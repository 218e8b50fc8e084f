package dev.fastllm.agent.apps;

import dev.fastllm.gateway.Gateway;
import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.Deployment;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.routing.Router;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test application that runs the demo gateway in-process (as {@code GatewayMain} does) and publishes its
 * router's state over JMX ({@code dev.fastllm.test:type=RouterProbe}, attribute {@code State}): every
 * deployment's requests in flight and whether it is cooling down, as the gateway's own {@code Router} answers
 * them (rewritten or not). Usage: {@code RouterProbeApp <config.yaml> <port>}.
 */
public final class RouterProbeApp {

    /** The MBean interface. */
    public interface ProbeMBean {
        /** {@code group/id inFlight=N cooling=B} per deployment, sorted, one per line. */
        String getState();
    }

    /** Reads the gateway's router. */
    public static final class Probe implements ProbeMBean {
        private final Gateway gateway;

        Probe(Gateway gateway) {
            this.gateway = gateway;
        }

        @Override
        public String getState() {
            Router router = gateway.router();
            long now = System.currentTimeMillis();
            Map<String, String> lines = new TreeMap<>();
            for (Map.Entry<String, List<Deployment>> e : gateway.config().groups().entrySet()) {
                for (Deployment d : e.getValue()) {
                    lines.put(e.getKey() + "/" + d.id(), "inFlight=" + router.inFlight(e.getKey(), d.id())
                            + " cooling=" + router.isCoolingDown(e.getKey(), d.id(), now));
                }
            }
            StringBuilder sb = new StringBuilder();
            lines.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
            return sb.toString();
        }
    }

    private RouterProbeApp() {
    }

    public static void main(String[] args) throws Exception {
        GatewayConfig config = ConfigLoader.load(Path.of(args[0]));
        Gateway gateway = Gateway.start(config, "127.0.0.1", Integer.parseInt(args[1]));
        ManagementFactory.getPlatformMBeanServer().registerMBean(new Probe(gateway),
                new ObjectName("dev.fastllm.test:type=RouterProbe"));
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::drainAndStop, "gateway-drain"));
    }
}
