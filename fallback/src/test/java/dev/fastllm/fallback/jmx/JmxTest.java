package dev.fastllm.fallback.jmx;

import dev.fastllm.fallback.BreakerState;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.ManualClock;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.RecordingWarnings;
import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import javax.management.Attribute;
import javax.management.JMException;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flags read and changed at run time over the platform MBean server. */
class JmxTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final Points points = new Points(Settings.load("breaker.failures=1", null, null, new RecordingWarnings()),
            new ManualClock(), new RecordingWarnings());

    @AfterEach
    void unregister() throws JMException {
        for (ObjectName n : server.queryNames(new ObjectName("dev.fastllm:type=Point,*"), null)) {
            server.unregisterMBean(n);
        }
    }

    @Test
    void oneMBeanPerPointAndTheFlagChangesAtRunTime() throws Exception {
        PointMBeans.register(server, points);
        Point tokens = points.declare("jmxtest.tokens", Component.TOKENS, Kind.PURE, Flag.OFF);
        Point limiter = points.declare("jmxtest.rate-limiter", Component.RATE_LIMITER, Kind.STATEFUL, Flag.ON);
        ObjectName name = new ObjectName("dev.fastllm:type=Point,name=jmxtest.tokens");
        assertTrue(server.isRegistered(name));
        assertTrue(server.isRegistered(PointMBeans.objectName("jmxtest.rate-limiter")));

        assertEquals("off", server.getAttribute(name, "Flag"));
        assertEquals("default", server.getAttribute(name, "FlagSource"));
        assertEquals("pure", server.getAttribute(name, "Kind"));
        assertEquals("tokens", server.getAttribute(name, "Component"));

        server.setAttribute(name, new Attribute("Flag", "canary:25"));
        assertEquals(Flag.canary(25), tokens.flag());
        assertEquals("jmx", tokens.flagSource());
        assertEquals("canary:25", server.getAttribute(name, "Flag"));

        server.setAttribute(name, new Attribute("Flag", "on"));
        tokens.call("x", s -> "fast", s -> "original");
        tokens.call("x", s -> {
            throw new IllegalStateException();
        }, s -> "original");
        assertEquals(1L, server.getAttribute(name, "FastCalls"));
        assertEquals(1L, server.getAttribute(name, "FallbackCalls"));
        assertEquals(1L, server.getAttribute(name, "Errors"));
        assertEquals("open", server.getAttribute(name, "BreakerState"));
        assertEquals(1L, server.getAttribute(name, "BreakerOpenings"));
        server.invoke(name, "resetBreaker", null, null);
        assertEquals(BreakerState.CLOSED, tokens.breaker().state());

        PointMXBean proxy = JMX.newMXBeanProxy(server, PointMBeans.objectName("jmxtest.rate-limiter"), PointMXBean.class);
        assertEquals("stateful", proxy.getKind());
        proxy.setFlag("canary:10");
        assertEquals(Flag.canary(10), limiter.flag());
        assertThrows(RuntimeException.class, () -> proxy.setFlag("shadow:5"));
        assertThrows(RuntimeException.class, () -> proxy.setFlag("fast please"));
        assertEquals(Flag.canary(10), limiter.flag());
        limiter.markApplied("com.example.Limiter#tryAcquire");
        assertEquals("applied to com.example.Limiter#tryAcquire", proxy.getTarget());
        assertTrue(proxy.getStatus().contains("jmxtest.rate-limiter: canary:10 (jmx)"), proxy.getStatus());
    }
}
