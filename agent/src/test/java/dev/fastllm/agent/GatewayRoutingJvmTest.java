package dev.fastllm.agent;

import dev.fastllm.agent.apps.LatePickApp;
import dev.fastllm.agent.apps.MovedStateApp;
import dev.fastllm.agent.apps.RouterProbeApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Point {@code gateway.routing} end to end: the real demo-gateway.jar (embedded by {@link RouterProbeApp},
 * which publishes the router's in-flight counts and cooldowns over JMX) with the real agent jar. A scripted
 * sequence (a deployment failing into cooldown, a fallback group, a retry onto a spare, rpm capacity) answers
 * exactly as without the agent, with the point on and with every fast pick faulting; concurrent bursts with
 * 5 % faults and with the flag flipped over JMX lose nothing and end every route.
 */
class GatewayRoutingJvmTest {

    static final String APPLIED = "applied to dev.fastllm.gateway.routing.Router#pick,onEnd,retryAfterMillis,"
            + "inFlight,isCoolingDown";
    static final List<String> BURST_GROUPS = List.of("gpt-4o-mini", "flaky", "duo");

    static Path config;
    static List<String> withoutAgent;

    @BeforeAll
    static void baseline() throws Exception {
        writeConfig();
        try (GatewayProcess g = start("routing-plain", ChildJvm.spec(), false)) {
            withoutAgent = script(g);
            assertTrue(g.jvm.agentLines().isEmpty(), g.jvm.describe());
        }
        String all = String.join("\n", withoutAgent);
        assertTrue(all.contains("flaky 200 model=mini-a"), all);             // fell back to another group
        assertTrue(all.contains("solo-dead 429 model=null retries=0 code=no_deployments_available retry-after=yes"), all);
        assertTrue(all.contains("duo 200 model=duo-live retries=1"), all);     // retried onto the spare
        assertTrue(all.contains("limited 429"), all);                         // rpm capacity
    }

    /** The routing config with a fresh port nobody listens on, under target/. */
    static void writeConfig() throws Exception {
        int dead = ChildJvm.freePort(); // nothing listens there: every call is a connection error
        config = Path.of("target", "routing-gateway.yaml").toAbsolutePath();
        String yaml = new String(GatewayRoutingJvmTest.class.getResourceAsStream("/routing-gateway.yaml")
                .readAllBytes(), StandardCharsets.UTF_8).replace("DEAD_PORT", Integer.toString(dead));
        Files.writeString(config, yaml, StandardCharsets.UTF_8);
    }

    static GatewayProcess start(String name, ChildJvm.Spec spec, boolean agent) throws Exception {
        return GatewayProcess.embedded(name, spec, agent,
                List.of(ChildJvm.GATEWAY_JAR, Path.of("target", "test-classes").toAbsolutePath()),
                RouterProbeApp.class.getName(), config);
    }

    /** Statuses, deployments, retries, error codes and retry-after presence of a fixed sequence. */
    static List<String> script(GatewayProcess g) throws Exception {
        awaitEarlyInTheMinute();
        List<String> out = new ArrayList<>();
        String[] sequence = {"gpt-4o-mini", "gpt-4o-mini", "flaky", "flaky", "solo-dead", "solo-dead", "duo", "duo",
                "limited", "limited", "limited", "flaky"};
        for (String group : sequence) {
            out.add(group + " " + describe(chat(g, group)));
        }
        return out;
    }

    /** The rpm step must not straddle a calendar minute. */
    static void awaitEarlyInTheMinute() throws InterruptedException {
        long inMinute = System.currentTimeMillis() % 60_000;
        if (inMinute > 50_000) {
            Thread.sleep(60_500 - inMinute);
        }
    }

    static HttpResponse<String> chat(GatewayProcess g, String group) throws Exception {
        return g.post("/v1/chat/completions", "{\"model\":\"" + group + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"route me\"}]}");
    }

    static String describe(HttpResponse<String> r) {
        String code = "";
        int at = r.body().indexOf("\"code\":\"");
        if (r.statusCode() != 200 && at >= 0) {
            code = " code=" + r.body().substring(at + 8, r.body().indexOf('"', at + 8));
        }
        return r.statusCode() + " model=" + r.headers().firstValue("x-gateway-model-id").orElse("null")
                + " retries=" + r.headers().firstValue("x-gateway-attempted-retries").orElse("-") + code
                + " retry-after=" + (r.headers().firstValue("retry-after").isPresent() ? "yes" : "no");
    }

    static double routing(String metrics, String path) {
        return GatewayProcess.value(metrics, "fastllm_calls_total", "path=\"" + path + "\",point=\"gateway.routing\"");
    }

    static double series(String metrics, String name) {
        return GatewayProcess.value(metrics, name, "point=\"gateway.routing\"");
    }

    /** The router's state as the probe reads it through the (rewritten) Router. */
    static String routerState(PointJmx jmx) throws Exception {
        return (String) jmx.server.getAttribute(new ObjectName("dev.fastllm.test:type=RouterProbe"), "State");
    }

    static void assertEveryRouteEnded(PointJmx jmx) throws Exception {
        String state = routerState(jmx);
        assertTrue(state.contains("gpt-4o-mini/mini-a"), state);
        assertTrue(!state.matches("(?s).*inFlight=[1-9].*") && !state.contains("inFlight=-"), state);
    }

    @Test
    void onTheTwinAnswersTheScriptAsThePlainGatewayAndAFlagFlippedOverJmxDuringABurstLosesNothing()
            throws Exception {
        try (GatewayProcess g = start("routing-on", ChildJvm.spec().agent(null), true)) {
            String line = g.jvm.agentLines().stream().filter(l -> l.contains("gateway.routing:")).findFirst()
                    .orElse("");
            assertTrue(line.contains("on (default)") && line.contains(APPLIED), g.jvm.describe());
            assertEquals(withoutAgent, script(g));
            String m = g.metrics();
            assertTrue(routing(m, "fast") >= 10, m);
            assertEquals(0, series(m, "fastllm_errors_total"), m);
            try (PointJmx jmx = PointJmx.connect(g.jvm.pid(), "gateway.routing").awaitRegistered(20_000)) {
                assertEveryRouteEnded(jmx);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger flips = new AtomicInteger();
                Thread flipper = new Thread(() -> {
                    String[] flags = {"off", "canary:50", "on", "canary:10", "off", "on"};
                    try {
                        while (!stop.get()) {
                            jmx.setFlag(flags[flips.getAndIncrement() % flags.length]);
                            Thread.sleep(40);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                flipper.start();
                try {
                    assertEquals(List.of(), burst(g, 8, 240));
                } finally {
                    stop.set(true);
                    flipper.join();
                }
                assertTrue(flips.get() >= 5, "flag flips during the burst: " + flips.get());
                assertEveryRouteEnded(jmx);
                String after = g.metrics();
                assertTrue(routing(after, "fast") > routing(m, "fast"), after);
                assertTrue(routing(after, "original") > 0, after);
            }
        }
    }

    @Test
    void everyFastPickFaultingAnswersAsThePlainGatewayAndOpensTheBreaker() throws Exception {
        try (GatewayProcess g = start("routing-faults", ChildJvm.spec().agent("breaker.open=10m")
                .env("FAST_LLM_FAULTS", "gateway.routing:1"), true)) {
            assertTrue(g.jvm.stderr().contains("faults injected at rate 1"), g.jvm.describe());
            assertEquals(withoutAgent, script(g));
            String m = g.metrics();
            assertEquals(10, series(m, "fastllm_errors_total"), m);
            // fallbacks: the ten faults, and the fast decisions that then found the group's state in the original
            assertEquals(10 + series(m, "fastllm_declines_total"), routing(m, "fallback"), m);
            assertEquals(0, routing(m, "fast"), m);
            assertTrue(routing(m, "original") > 0, m);
            assertEquals(1, series(m, "fastllm_breaker_state"), m);
        }
    }

    @Test
    void aConcurrentBurstWithFivePercentFaultsLosesNothingAndEndsEveryRoute() throws Exception {
        try (GatewayProcess g = start("routing-burst", ChildJvm.spec().agent("breaker.failures=1000000")
                .env("FAST_LLM_FAULTS", "gateway.routing:0.05"), true)) {
            List<String> wrong = burst(g, 8, 320);
            String m = g.metrics();
            // a faulted pick is answered by the original, which does not know the twin's cooldown (the documented
            // bound): a retry whose pick faults can reach the dead deployment again; nothing else may differ
            assertTrue(wrong.stream().allMatch(w -> w.startsWith("duo 502") && w.contains("code=connect")), wrong.toString());
            assertTrue(wrong.size() <= series(m, "fastllm_errors_total"), wrong + "\n" + m);
            double fallbacks = routing(m, "fallback");
            // after a fault a group's state sits in the original, and fast decisions on it decline until it is
            // idle again (the documented rule): how many do depends on timing, that both paths ran does not
            assertTrue(fallbacks > 0 && routing(m, "fast") > 0, m);
            assertEquals(fallbacks, series(m, "fastllm_errors_total") + series(m, "fastllm_declines_total"), m);
            try (PointJmx jmx = PointJmx.connect(g.jvm.pid(), "gateway.routing").awaitRegistered(20_000)) {
                assertEveryRouteEnded(jmx);
            }
        }
    }

    /**
     * {@code requests} chats from {@code threads} threads over groups whose answer is fixed: 200 from
     * mini-a (gpt-4o-mini, and flaky through its fallback) or duo-live (duo, its dead deployment cooling
     * down or retried past). Returns the requests answered otherwise.
     */
    static List<String> burst(GatewayProcess g, int threads, int requests) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                String group = BURST_GROUPS.get(i % BURST_GROUPS.size());
                answers.add(pool.submit(() -> {
                    HttpResponse<String> r = chat(g, group);
                    String model = r.headers().firstValue("x-gateway-model-id").orElse("null");
                    String expected = group.equals("duo") ? "duo-live" : "mini-a";
                    return r.statusCode() == 200 && model.equals(expected) ? null : group + " " + describe(r);
                }));
            }
            List<String> wrong = new ArrayList<>();
            for (Future<String> f : answers) {
                String w = f.get(60, TimeUnit.SECONDS);
                if (w != null) {
                    wrong.add(w);
                }
            }
            return wrong;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Clock readings out of order across a move, in the real agent jar ({@link LatePickApp}): a deployment
     * cools down, the flag changes, a pick after the cooldown moves the group, and a pick whose reading falls
     * inside the cooldown comes after it. Every answer is the one without the agent, in both directions.
     */
    @Test
    void aLatePickAfterAMoveAnswersAsWithoutTheAgent() throws Exception {
        String plain = ChildJvm.runGatewayApp(ChildJvm.spec(), "late-pick-plain", LatePickApp.class).stdout();
        assertTrue(plain.contains("late pick null"), plain);
        for (String from : List.of("from-twin", "from-original")) {
            ChildJvm jvm = ChildJvm.runGatewayApp(ChildJvm.spec().agent(null), "late-pick-" + from, LatePickApp.class,
                    "agent", from);
            assertTrue(jvm.stderr().contains(APPLIED), jvm.describe());
            assertEquals(plain, jvm.stdout(), jvm.describe());
            assertTrue(jvm.stderr().contains("point fast=") && !jvm.stderr().contains("point fast=0"),
                    jvm.describe()); // the twin answered picks
        }
    }

    /**
     * A flag change moves a group that used part of its minute's rpm, failed once and measured latencies:
     * the new side goes on from there, as the gateway's router alone does (before, it started the minute
     * afresh: a request beyond rpm, a cooldown one failure late, unmeasured latencies).
     */
    @Test
    void aMoveWithinAMinuteKeepsUsageFailuresAndLatencies() throws Exception {
        String plain = ChildJvm.runGatewayApp(ChildJvm.spec(), "moved-state-plain", MovedStateApp.class).stdout();
        assertTrue(plain.contains("cooling after three failures true") && plain.contains("fifth null"), plain);
        for (String from : List.of("from-twin", "from-original")) {
            ChildJvm jvm = ChildJvm.runGatewayApp(ChildJvm.spec().agent(null), "moved-state-" + from,
                    MovedStateApp.class, "agent", from);
            assertTrue(jvm.stderr().contains(APPLIED), jvm.describe());
            assertEquals(plain, jvm.stdout(), jvm.describe());
            assertTrue(jvm.stderr().contains("point fast=") && !jvm.stderr().contains("point fast=0"),
                    jvm.describe());
        }
    }
}
