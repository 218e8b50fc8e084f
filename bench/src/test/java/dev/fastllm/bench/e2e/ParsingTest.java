package dev.fastllm.bench.e2e;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runner's readers of other programs' output: wrk, the agent's start lines, /proc and jcmd. */
class ParsingTest {

    @Test
    void wrkSummaryWithErrors() {
        String out = """
                Running 3s test @ http://127.0.0.1:41234
                  2 threads and 32 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency    12.01ms   20.11ms 301.22ms   91.20%
                    Req/Sec   612.44    120.10     0.90k    70.00%
                  3661 requests in 3.01s, 4.12MB read
                  Non-2xx or 3xx responses: 7
                  Socket errors: connect 0, read 2, write 0, timeout 3
                Requests/sec:   1216.28
                Transfer/sec:      1.37MB
                """;
        WrkRun.Summary s = WrkRun.parse(out);
        assertEquals(3661, s.requests());
        assertEquals(3.01, s.seconds(), 1e-9);
        assertEquals(1216.28, s.requestsPerSecond(), 1e-9);
        assertEquals(7, s.non2xx());
        assertEquals(5, s.socketErrors());
    }

    @Test
    void wrkSummaryCleanInMillisecondsAndMinutes() {
        WrkRun.Summary ms = WrkRun.parse("  10 requests in 900.50ms, 1KB read\nRequests/sec:     11.10\n");
        assertEquals(0.9005, ms.seconds(), 1e-9);
        assertEquals(0, ms.non2xx());
        assertEquals(0, ms.socketErrors());
        assertEquals(60.0, WrkRun.parse("5 requests in 1.00m, 1KB read\nRequests/sec: 0.08\n").seconds(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> WrkRun.parse("unable to connect to 127.0.0.1:1"));
    }

    @Test
    void agentStartLinesGivePointsAndWhatWasApplied() {
        List<String> log = List.of(
                "Sharing is only supported for boot loader classes because bootstrap classpath has been appended",
                "[fast-llm] gateway.tokens: on (default), pure, breaker closed, applied to dev.fastllm.gateway.tokens.PromptTokenCounter#countText",
                "[fast-llm] gateway.rate-limiter: on (default), stateful, breaker closed, target absent",
                "[fast-llm] gateway.tokens: also applied to X#y in class loader Foo@1",
                "[fast-llm] WARNING JMX disabled: boom",
                "[fast-llm] jtokkit.tokens: off (FAST_LLM_JTOKKIT_TOKENS), pure, breaker closed, applied to com.knuddels.jtokkit.GptBytePairEncoding#countTokensOrdinary",
                "INFO: gateway listening on http://127.0.0.1:4000");
        Map<String, String> s = AgentPoints.statuses(log);
        assertEquals(List.of("gateway.tokens", "gateway.rate-limiter", "jtokkit.tokens"), List.copyOf(s.keySet()));
        assertTrue(s.get("gateway.tokens").endsWith("#countText"));
        assertEquals(List.of("gateway.tokens", "jtokkit.tokens"), AgentPoints.applied(s));
        assertEquals(List.of("gateway.tokens", "gateway.rate-limiter", "gateway.connection-pool", "gateway.routing",
                "jtokkit.tokens", "jtokkit-registry.tokens"), AgentPoints.allNames(s));
        assertEquals("FAST_LLM_GATEWAY_CONNECTION_POOL", AgentPoints.envName("gateway.connection-pool"));
    }

    @Test
    void variantsFollowThePointsTheAgentApplied() {
        List<String> names = AgentPoints.KNOWN;
        List<Variant> one = Variant.afterDiscovery(List.of("gateway.tokens"), names);
        assertEquals(1, one.size(), "with one point applied, 'only' it is all on: not run twice");
        assertEquals(Map.of("FAST_LLM_GATEWAY_TOKENS", "off", "FAST_LLM_GATEWAY_RATE_LIMITER", "off",
                "FAST_LLM_GATEWAY_CONNECTION_POOL", "off", "FAST_LLM_GATEWAY_ROUTING", "off",
                "FAST_LLM_JTOKKIT_TOKENS", "off", "FAST_LLM_JTOKKIT_REGISTRY_TOKENS", "off"), one.get(0).env());
        List<Variant> all = Variant.afterDiscovery(names, names);
        assertEquals(7, all.size());
        Variant pool = all.get(2);
        assertEquals("only gateway.connection-pool", pool.name());
        assertTrue(pool.agent());
        assertEquals(5, pool.env().size());
        assertTrue(!pool.env().containsKey("FAST_LLM_GATEWAY_CONNECTION_POOL"));
    }

    @Test
    void procStatCpuOfOwnAndReapedChildren() {
        // pid (comm with spaces) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
        String stat = "4242 (java (main)) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 566 70 30 20 0 40 0 100 0 0\n";
        assertArrayEquals(new double[] {18.0, 1.0}, ProcFs.parseStat(stat), 1e-9);
    }

    @Test
    void statusAndHeapInfo() {
        List<String> status = List.of("Name:\tjava", "VmPeak:\t 3000000 kB", "VmHWM:\t  524288 kB", "VmRSS:\t  400000 kB");
        assertEquals(512.0, ProcFs.parseStatusMb(status, "VmHWM"), 1e-9);
        assertTrue(Double.isNaN(ProcFs.parseStatusMb(status, "VmSwap")));
        String heap = """
                4711:
                 garbage-first heap   total 524288K, used 51200K [0x00000000e0000000, 0x0000000100000000)
                  region size 1024K, 2 young (2048K), 0 survivors (0K)
                 Metaspace       used 30000K, committed 30500K, reserved 1114112K
                """;
        assertEquals(50.0, ProcFs.parseHeapUsedMb(heap), 1e-9);
        assertEquals(3.0, ProcFs.parseHeapUsedMb(" def new generation   total 9216K, used 1K\n heap total 3072K, used 3072K"),
                1e-9);
        assertThrows(IllegalArgumentException.class, () -> ProcFs.parseHeapUsedMb("4711:\nCommand not found"));
    }

    @Test
    void nearestRankPercentiles() {
        long[] v = new long[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1000 - i; // unsorted on purpose
        }
        Percentiles p = new Percentiles(v, 1000);
        assertEquals(500, p.at(50));
        assertEquals(990, p.at(99));
        assertEquals(999, p.at(99.9));
        assertEquals(1000, p.at(100));
        assertEquals(7, new Percentiles(new long[] {7, 99}, 1).at(99.9), "only the first count values are used");
        assertTrue(Double.isNaN(new Percentiles(new long[0], 0).at(50)));
    }

    @Test
    void planAndShownArguments() {
        Plan quick = Plan.fromArgs(new String[] {"--quick", "--root", "/r", "--note", "noisy run"});
        assertTrue(quick.quick());
        assertEquals("noisy run", quick.note());
        assertEquals(java.nio.file.Path.of("/r/bench/results"), quick.out());
        assertEquals(List.of(1, 1_000_000), Plan.fromArgs(new String[0]).keyCounts());
        assertEquals("2g", Plan.heapFor(1_000_000));
        assertEquals("512m", Plan.heapFor(10_000));
        assertThrows(IllegalArgumentException.class, () -> Plan.fromArgs(new String[] {"--fast"}));
        assertEquals("--quick --note 'noisy run'",
                E2eMain.shownArgs(new String[] {"--root", "/r", "--quick", "--note", "noisy run"}));
    }
}
