package dev.fastllm.agent.apps;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** A point's MXBean on the platform MBean server, as the test applications reach it. */
final class PointBean {

    private PointBean() {
    }

    static ObjectName name(String point) throws Exception {
        return new ObjectName("dev.fastllm:type=Point,name=" + point);
    }

    /** Waits up to 20 s for the agent to register {@code point}; throws if it does not. */
    static void await(MBeanServer server, ObjectName point) throws InterruptedException {
        for (long end = System.currentTimeMillis() + 20_000; !server.isRegistered(point); ) {
            if (System.currentTimeMillis() > end) {
                throw new IllegalStateException(point + " not registered");
            }
            Thread.sleep(50);
        }
    }

    static MBeanServer server() {
        return ManagementFactory.getPlatformMBeanServer();
    }
}
