package dev.fastllm.gateway.server;

import dev.fastllm.gateway.config.ConfigLoader;
import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.VirtualKey;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Auth finds the right key among 100 000, and nothing for a key it does not know. */
class AuthTest {

    private static HttpHeaders bearer(String key) {
        return new DefaultHttpHeaders().set("Authorization", "Bearer " + key);
    }

    @Test
    void findsEachKeyAmongAHundredThousand() {
        GatewayConfig small = ConfigLoader.parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:9/v1"}
                general_settings: {master_key: sk-master}
                """, System::getenv);
        int n = 100_000;
        List<VirtualKey> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(new VirtualKey("sk-user-" + i, "user-" + i, OptionalLong.of(i + 1), OptionalLong.empty(),
                    OptionalInt.empty(), Set.of()));
        }
        Auth auth = new Auth(new GatewayConfig(small.deployments(), small.router(), small.masterKey(), keys,
                small.server(), small.warnings()));
        Random rnd = new Random(7);
        for (int t = 0; t < 2_000; t++) {
            int i = rnd.nextInt(n);
            VirtualKey k = auth.authenticate(bearer("sk-user-" + i));
            assertEquals("sk-user-" + i, k.key());
            assertEquals(i + 1, k.rpmLimit().getAsLong());
        }
        assertSame(Auth.MASTER, auth.authenticate(bearer("sk-master")));
        assertSame(Auth.MASTER, auth.authenticate(new DefaultHttpHeaders().set("x-api-key", "sk-master")));
        assertNull(auth.authenticate(bearer("sk-user-" + n)));
        assertNull(auth.authenticate(bearer("sk-user-x")));
        assertNull(auth.authenticate(new DefaultHttpHeaders()));
    }
}
