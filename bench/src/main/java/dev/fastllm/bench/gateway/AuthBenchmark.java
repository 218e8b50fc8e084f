package dev.fastllm.bench.gateway;

import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.VirtualKey;
import dev.fastllm.gateway.server.Auth;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's authentication of one request with 1 and with 100 000 virtual keys configured: a hash-table
 * lookup of the presented key's digest, so the two should be within noise (a scan of every key's digest
 * made the 100 000-key case dominate the gateway's CPU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class AuthBenchmark {

    @Param({"1", "100000"})
    int keys;

    private Auth auth;
    private HttpHeaders[] requests;
    private int next;

    @Setup
    public void setUp() {
        GatewayConfig small = ConfigLoader.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:9/v1"}
                general_settings: {master_key: sk-master}
                """, System::getenv);
        List<VirtualKey> list = new ArrayList<>(keys);
        for (int i = 0; i < keys; i++) {
            list.add(new VirtualKey("sk-user-" + i, "user-" + i, OptionalLong.of(1000), OptionalLong.empty(),
                    OptionalInt.empty(), Set.of()));
        }
        auth = new Auth(new GatewayConfig(small.deployments(), small.router(), small.masterKey(), list,
                small.server(), small.warnings()));
        requests = new HttpHeaders[1024];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new DefaultHttpHeaders().set("Authorization", "Bearer sk-user-" + (i * 7919L % keys));
        }
    }

    @Benchmark
    public VirtualKey authenticate() {
        HttpHeaders h = requests[next++ & (requests.length - 1)];
        return auth.authenticate(h);
    }
}
