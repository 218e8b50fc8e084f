package dev.fastllm.agent;

import com.sun.tools.attach.VirtualMachine;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** The MXBean of point gateway.tokens in a child JVM, reached through its local management agent. */
final class PointJmx implements AutoCloseable {

    static final String NAME = "dev.fastllm:type=Point,name=gateway.tokens";

    private final JMXConnector connector;
    final MBeanServerConnection server;
    final ObjectName point;

    private PointJmx(JMXConnector connector) throws Exception {
        this(connector, NAME);
    }

    private PointJmx(JMXConnector connector, String name) throws Exception {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.point = new ObjectName(name);
    }

    /** The MXBean of another point, e.g. {@code gateway.routing}. */
    static PointJmx connect(long pid, String pointName) throws Exception {
        PointJmx tokens = connect(pid);
        return new PointJmx(tokens.connector, "dev.fastllm:type=Point,name=" + pointName);
    }

    static PointJmx connect(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        return new PointJmx(JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /** Waits until the agent has registered the point's MXBean. */
    PointJmx awaitRegistered(long timeoutMillis) throws Exception {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!server.isRegistered(point)) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError(point + " not registered");
            }
            Thread.sleep(100);
        }
        return this;
    }

    Object get(String attribute) throws Exception {
        return server.getAttribute(point, attribute);
    }

    void setFlag(String flag) throws Exception {
        server.setAttribute(point, new javax.management.Attribute("Flag", flag));
    }

    @Override
    public void close() throws java.io.IOException {
        connector.close();
    }
}
