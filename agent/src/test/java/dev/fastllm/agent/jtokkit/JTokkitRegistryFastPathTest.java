package dev.fastllm.agent.jtokkit;

import com.knuddels.jtokkit.api.Encoding;
import dev.fastllm.agent.bootstrap.JTokkitRegistryBridge;
import dev.fastllm.agent.bootstrap.PendingCall;
import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Flag;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Path;
import dev.fastllm.fallback.Point;
import dev.fastllm.fallback.Points;
import dev.fastllm.fallback.Warnings;
import dev.fastllm.fallback.settings.Settings;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The fast path of jtokkit-registry.tokens with JTokkit 1.1.0's real {@code EncodingFactory}, called as the bridge calls
 * it: on, each encoding is built once and then handed out again (and answers as a fresh one does); off and shadow
 * hand out what the original builds; faults build afresh.
 */
class JTokkitRegistryFastPathTest {

    static final Class<?> FACTORY = factory();

    static Class<?> factory() {
        try {
            return Class.forName(JTokkitRegistryInstrumentation.TARGET);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    static Point point(String settings) {
        Points points = new Points(Settings.load(settings, null, null, Warnings.NONE), null, Warnings.NONE);
        return points.declare("jtokkit-registry.tokens", Component.TOKENS, Kind.PURE, Flag.ON);
    }

    static Encoding build(String method) throws Exception {
        Method m = FACTORY.getDeclaredMethod(method);
        m.setAccessible(true);
        return (Encoding) m.invoke(null);
    }

    /** What the rewritten factory method returns. */
    static Encoding call(JTokkitRegistryFastPath fast, String method) throws Exception {
        Object call = fast.enter(FACTORY, method);
        if (JTokkitRegistryBridge.answered(call)) {
            return (Encoding) call;
        }
        Encoding built = build(method);
        return call == null ? built : (Encoding) fast.exit((PendingCall) call, built);
    }

    @Test
    void onBuildsEachEncodingOnceAndHandsItOutAgain() throws Exception {
        Point p = point(null);
        AtomicInteger asked = new AtomicInteger();
        JTokkitRegistryFastPath fast = new JTokkitRegistryFastPath(p, () -> asked.incrementAndGet() < 0);
        for (String method : JTokkitRegistryFastPath.METHODS) {
            Encoding first = call(fast, method);
            assertSame(first, call(fast, method), method);
            assertSame(first, call(fast, method), method);
            Encoding fresh = build(method);
            assertNotSame(fresh, first);
            assertEquals(fresh.getName(), first.getName());
            String text = "The same answers from a shared encoding, 日本語 🤖";
            assertEquals(fresh.encode(text), first.encode(text), method);
        }
        assertEquals(10, p.calls(Path.FAST), "two of three calls per encoding answered");
        assertEquals(5, p.calls(Path.FALLBACK), "the first call of each builds it");
        assertEquals(0, p.errors());
        assertEquals(2, asked.get(), "a vocabulary read ahead is considered at the first build of the two encodings");
    }

    @Test
    void offShadowAndFaultsHandOutWhatTheOriginalBuilds() throws Exception {
        JTokkitRegistryFastPath on = new JTokkitRegistryFastPath(point(null), () -> false);
        Encoding remembered = call(on, "cl100kBase");
        assertSame(remembered, call(on, "cl100kBase"));

        Point off = point("jtokkit-registry.tokens=off");
        JTokkitRegistryFastPath offPath = new JTokkitRegistryFastPath(off, () -> false);
        assertNull(offPath.enter(FACTORY, "cl100kBase"));
        assertNotSame(remembered, call(offPath, "cl100kBase"));

        Point shadow = point("jtokkit-registry.tokens=shadow:100");
        JTokkitRegistryFastPath shadowPath = new JTokkitRegistryFastPath(shadow, () -> false);
        Encoding firstShadow = call(shadowPath, "cl100kBase");
        Encoding secondShadow = call(shadowPath, "cl100kBase");
        assertNotSame(remembered, firstShadow);
        assertNotSame(firstShadow, secondShadow);
        assertEquals(2, shadow.calls(Path.SHADOW));
        assertEquals(0, shadow.shadowMismatches());
        assertEquals(1, shadow.declines(), "the first shadow call has nothing to compare with");

        Point faults = point("jtokkit-registry.tokens=on,faults=jtokkit-registry.tokens:1");
        JTokkitRegistryFastPath faultPath = new JTokkitRegistryFastPath(faults, () -> false);
        assertNotSame(remembered, call(faultPath, "cl100kBase"));
        assertEquals(1, faults.errors());
        assertEquals(0, faults.calls(Path.FAST));
    }
}
