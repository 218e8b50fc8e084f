package dev.fastllm.fallback.jmx;

import dev.fastllm.fallback.BreakerState;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers one {@link PointMXBean} per point with an MBean server (usually the platform one), for the
 * points declared now and later. A name already registered (a second registry in the same process) is
 * replaced.
 */
public final class PointMBeans implements Points.Listener {

    /** The JMX domain of every Fast LLM MBean. */
    public static final String DOMAIN = "dev.fastllm";

    private final MBeanServer server;

    private PointMBeans(MBeanServer server) {
        this.server = server;
    }

    /** Registers every point of {@code points}, now and as they are declared. */
    public static void register(MBeanServer server, Points points) {
        points.addListener(new PointMBeans(server));
    }

    /** {@code dev.fastllm:type=Point,name=<point>}. */
    public static ObjectName objectName(String pointName) {
        try {
            return new ObjectName(DOMAIN + ":type=Point,name=" + pointName);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(pointName, e);
        }
    }

    @Override
    public void declared(Point point) {
        ObjectName name = objectName(point.name());
        try {
            try {
                server.registerMBean(new Control(point), name);
            } catch (InstanceAlreadyExistsException e) {
                server.unregisterMBean(name);
                server.registerMBean(new Control(point), name);
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name, e);
        }
    }

    /** The MXBean of one point. */
    static final class Control implements PointMXBean {
        private final Point point;

        Control(Point point) {
            this.point = point;
        }

        @Override
        public String getName() {
            return point.name();
        }

        @Override
        public String getComponent() {
            return point.component().settingName();
        }

        @Override
        public String getKind() {
            return point.kind() == Kind.STATEFUL ? "stateful" : "pure";
        }

        @Override
        public String getFlag() {
            return point.flag().toString();
        }

        @Override
        public void setFlag(String flag) {
            Flag f = Flag.parse(flag);
            if (f == null) {
                throw new IllegalArgumentException("'" + flag + "' is not a flag; accepted: " + Flag.ACCEPTED_FORMS);
            }
            point.setFlag(f, "jmx");
        }

        @Override
        public String getFlagSource() {
            return point.flagSource();
        }

        @Override
        public String getBreakerState() {
            return point.breaker().state().text();
        }

        @Override
        public long getBreakerOpenings() {
            return point.breaker().transitionsTo(BreakerState.OPEN) + point.breaker().transitionsTo(BreakerState.DISABLED);
        }

        @Override
        public long getOriginalCalls() {
            return point.calls(Path.ORIGINAL);
        }

        @Override
        public long getFastCalls() {
            return point.calls(Path.FAST);
        }

        @Override
        public long getFallbackCalls() {
            return point.calls(Path.FALLBACK);
        }

        @Override
        public long getShadowCalls() {
            return point.calls(Path.SHADOW);
        }

        @Override
        public long getErrors() {
            return point.errors();
        }

        @Override
        public long getDeclines() {
            return point.declines();
        }

        @Override
        public long getShadowMismatches() {
            return point.shadowMismatches();
        }

        @Override
        public String getTarget() {
            String t = point.target();
            return t == null ? "target not reported" : t;
        }

        @Override
        public String getStatus() {
            return point.statusLine();
        }

        @Override
        public void resetBreaker() {
            point.breaker().reset();
        }
    }
}
