package dev.fastllm.agent.apps;

import javax.management.Attribute;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** A point's MXBean on the platform MBean server, as the test applications reach it. */
final class PointBean {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name;

    private PointBean(String point) throws Exception {
        this.name = new ObjectName("dev.fastllm:type=Point,name=" + point);
    }

    /** The MXBean of {@code point}; when {@code agent}, waits up to 20 s for the agent to register it. */
    static PointBean of(String point, boolean agent) throws Exception {
        PointBean bean = new PointBean(point);
        for (long end = System.currentTimeMillis() + 20_000; agent && !bean.server.isRegistered(bean.name); ) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException(bean.name + " not registered");
            }
            Thread.sleep(50);
        }
        return bean;
    }

    void setFlag(String flag) throws Exception {
        server.setAttribute(name, new Attribute("Flag", flag));
    }

    Object get(String attribute) throws Exception {
        return server.getAttribute(name, attribute);
    }
}
