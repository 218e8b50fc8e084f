package dev.fastllm.agent;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.fastllm.agent.GatewayProcess.tokensCalls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar fast-llm-agent.jar attach <pid>}: a gateway started without the agent, already serving, is
 * rewritten in place (its loaded {@code PromptTokenCounter} retransformed) and from then on answers exactly as
 * a plain gateway that served the same requests; its MXBean turns the point off at run time.
 */
class AttachJvmTest {

    @Test
    void withoutArgumentsTheJarPrintsItsUsage() throws Exception {
        try (ChildJvm jvm = ChildJvm.spec().jar(ChildJvm.AGENT_JAR).start("agent-usage")) {
            assertEquals(0, jvm.awaitExit(30_000), jvm.describe());
            assertTrue(jvm.stdout().startsWith("usage: java -jar fast-llm-agent.jar attach <pid>"), jvm.describe());
        }
    }

    @Test
    void attachingToARunningGatewayRewritesItAndJmxTurnsThePointOff() throws Exception {
        List<String> plainSecond;
        try (GatewayProcess plain = GatewayProcess.plain("attach-plain", ChildJvm.CURRENT_JAVA_HOME)) {
            TokensScript.run(plain);
            plainSecond = TokensScript.run(plain);
        }
        try (GatewayProcess g = GatewayProcess.plain("attach-target", ChildJvm.CURRENT_JAVA_HOME)) {
            TokensScript.run(g);
            int metrics = ChildJvm.freePort();
            try (ChildJvm attach = ChildJvm.spec().jar(ChildJvm.AGENT_JAR, "attach", Long.toString(g.jvm.pid()),
                    "metrics.port=" + metrics).start("attach-command")) {
                assertEquals(0, attach.awaitExit(60_000), attach.describe());
                assertTrue(attach.stdout().contains("agent loaded into JVM " + g.jvm.pid()), attach.describe());
            }
            g.jvm.awaitStderr("applied to dev.fastllm.gateway.tokens.PromptTokenCounter#countText", 30_000);
            assertEquals(plainSecond, TokensScript.run(g));
            String m = g.metrics(metrics);
            double fast = tokensCalls(m, "fast");
            assertTrue(fast >= 50, m);

            try (PointJmx jmx = PointJmx.connect(g.jvm.pid()).awaitRegistered(20_000)) {
                assertEquals("on", jmx.get("Flag"));
                assertEquals((long) fast, (Long) jmx.get("FastCalls"));
                jmx.setFlag("off");
                TokensScript.run(g);
                assertEquals(fast, tokensCalls(g.metrics(metrics), "fast"), "no fast call once off over JMX");
                jmx.setFlag("on");
                TokensScript.run(g);
                assertNotEquals(fast, tokensCalls(g.metrics(metrics), "fast"));
            }
        }
    }
}
