package dev.fastllm.gateway.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ConfigLoaderTest {

    /** One valid deployment, for configs that test something else. */
    private static final String MODEL = """
            model_list:
              - model_name: m
                litellm_params:
                  model: openai/m
                  api_base: http://localhost:9000/v1
            """;

    private static final Function<String, String> NO_ENV = name -> null;

    // ---- every field ---------------------------------------------------------------------------

    @Test
    void everyFieldIsRead() throws IOException {
        Map<String, String> env = Map.of("SHARED", "from-process", "MASTER_KEY", "sk-master", "TEAM_B_KEY", "sk-team-b");
        GatewayConfig config = resource("config/full.yaml", env::get);
        assertEquals(List.of(), config.warnings());

        List<Deployment> d = config.deployments();
        assertEquals(4, d.size());
        Deployment a = d.get(0);
        assertEquals("gpt-4o-mini", a.group());
        assertEquals("mini-a", a.id());
        assertEquals("openai", a.provider());
        assertEquals("gpt-4o-mini", a.upstreamModel());
        assertEquals(URI.create("http://127.0.0.1:8080/v1"), a.apiBase(), "trailing slash dropped");
        assertFalse(a.embeddedMock());
        assertEquals("sk-from-file", a.apiKey());
        assertEquals(OptionalLong.of(600), a.rpm());
        assertEquals(OptionalLong.of(100_000), a.tpm());
        assertEquals(OptionalLong.of(3), a.weight());
        assertEquals(Duration.ofMillis(12_500), a.timeout());
        assertEquals(16, a.maxParallelRequests());
        assertEquals(OptionalInt.of(128_000), a.maxInputTokens());

        Deployment b = d.get(1);
        assertEquals("gpt-4o-mini", b.group());
        assertEquals("gpt-4o-mini-1", b.id(), "generated id");
        assertEquals("openai", b.provider(), "a bare model name is an OpenAI model");
        assertEquals("gpt-4o-mini", b.upstreamModel());
        assertEquals(ConfigLoader.OPENAI_BASE, b.apiBase());
        assertEquals("from-file", b.apiKey(), "environment_variables win over the process environment");
        assertEquals(OptionalLong.empty(), b.rpm());
        assertEquals(OptionalLong.empty(), b.tpm());
        assertEquals(OptionalLong.empty(), b.weight());
        assertEquals(Duration.ofSeconds(45), b.timeout(), "router_settings.timeout is the default");
        assertEquals(ConfigLoader.DEFAULT_MAX_PARALLEL, b.maxParallelRequests());
        assertEquals(OptionalInt.empty(), b.maxInputTokens());

        Deployment e = d.get(2);
        assertTrue(e.embeddedMock());
        assertNull(e.apiBase());
        assertEquals("plain-key", e.apiKey());
        Deployment f = d.get(3);
        assertEquals("openai_compatible", f.provider());
        assertEquals("llama-3", f.upstreamModel());
        assertEquals(URI.create("https://backup.example.com:8443/openai/v1"), f.apiBase());

        assertEquals(List.of("gpt-4o-mini", "text-embedding-3-small", "backup"), List.copyOf(config.groups().keySet()));
        assertEquals(2, config.groups().get("gpt-4o-mini").size());

        RouterSettings r = config.router();
        assertEquals("latency-based-routing", r.routingStrategy());
        assertEquals(4, r.numRetries());
        assertEquals(Map.of("gpt-4o-mini", List.of("backup", "text-embedding-3-small"), "backup", List.of("gpt-4o-mini")),
                r.fallbacks());
        assertEquals(2, r.allowedFails());
        assertEquals(Duration.ofMillis(7_500), r.cooldownTime());
        assertEquals(Duration.ofSeconds(45), r.timeout());

        assertEquals("sk-master", config.masterKey());
        assertTrue(config.authEnabled());
        assertEquals(2, config.virtualKeys().size());
        VirtualKey teamA = config.virtualKeys().get(0);
        assertEquals("sk-team-a", teamA.key());
        assertEquals("team-a", teamA.alias());
        assertEquals(OptionalLong.of(60), teamA.rpmLimit());
        assertEquals(OptionalLong.of(10_000), teamA.tpmLimit());
        assertEquals(OptionalInt.of(4), teamA.maxParallelRequests());
        assertEquals(Set.of("gpt-4o-mini", "text-embedding-3-small"), teamA.models());
        assertTrue(teamA.limited());
        assertTrue(teamA.allows("gpt-4o-mini"));
        assertFalse(teamA.allows("backup"));
        VirtualKey teamB = config.virtualKeys().get(1);
        assertEquals("sk-team-b", teamB.key());
        assertEquals(ConfigLoader.fingerprint("sk-team-b"), teamB.alias());
        assertTrue(teamB.alias().matches("key-[0-9a-f]{8}"), teamB.alias());
        assertFalse(teamB.limited());
        assertTrue(teamB.allows("anything"), "no models means every group");

        ServerSettings s = config.server();
        assertEquals(1_048_576, s.maxRequestBytes());
        assertEquals(Duration.ofSeconds(20), s.drainTimeout());
        assertEquals(Duration.ofSeconds(90), s.idleConnectionTimeout());
        assertEquals(Duration.ofMillis(2_500), s.connectTimeout());
        assertEquals(Duration.ZERO, s.maxRetryAfter());
        assertEquals(Duration.ofSeconds(10), s.clientHeaderTimeout());
        assertEquals(Duration.ofMillis(20_500), s.clientBodyTimeout());
        assertEquals(Duration.ofSeconds(300), s.clientIdleTimeout());
        assertEquals(Duration.ofSeconds(15), s.clientSendTimeout());

        assertFalse(config.toString().contains("sk-"), "toString never prints keys: " + config);
        assertFalse(a.toString().contains("sk-from-file"), a.toString());
        assertFalse(teamA.toString().contains("sk-team-a"), teamA.toString());
    }

    @Test
    void defaultsApplyWhenSettingsAreAbsent() {
        GatewayConfig config = parse(MODEL);
        assertEquals(List.of(), config.warnings());
        assertEquals(RouterSettings.DEFAULTS, config.router());
        assertEquals(ServerSettings.DEFAULTS, config.server());
        assertNull(config.masterKey());
        assertEquals(List.of(), config.virtualKeys());
        assertFalse(config.authEnabled());
        Deployment d = config.deployments().get(0);
        assertEquals("m-0", d.id());
        assertNull(d.apiKey());
        assertEquals(RouterSettings.DEFAULTS.timeout(), d.timeout());
        assertEquals(ConfigLoader.DEFAULT_MAX_PARALLEL, d.maxParallelRequests());
    }

    @Test
    void emptySectionsAreAllowed() {
        GatewayConfig config = parse(MODEL + """
                router_settings:
                general_settings: {}
                litellm_settings:
                virtual_keys:
                gateway_settings: {}
                environment_variables:
                """);
        assertEquals(RouterSettings.DEFAULTS, config.router());
        assertEquals(List.of(), config.warnings());
    }

    // ---- precedence ----------------------------------------------------------------------------

    @Test
    void litellmSettingsApplyWhenRouterSettingsAreSilent() {
        GatewayConfig config = parse("""
                model_list:
                  - {model_name: a, litellm_params: {model: openai/a, api_base: "http://h:1"}}
                  - {model_name: b, litellm_params: {model: openai/b, api_base: "http://h:2", timeout: 5}}
                litellm_settings:
                  num_retries: 6
                  request_timeout: 33
                  fallbacks: [{a: [b]}]
                """);
        RouterSettings r = config.router();
        assertEquals(6, r.numRetries());
        assertEquals(Duration.ofSeconds(33), r.timeout());
        assertEquals(Map.of("a", List.of("b")), r.fallbacks());
        assertEquals(Duration.ofSeconds(33), config.deployments().get(0).timeout(), "the default for deployments");
        assertEquals(Duration.ofSeconds(5), config.deployments().get(1).timeout(), "litellm_params.timeout wins");
    }

    @Test
    void routerSettingsWinOverLitellmSettings() {
        GatewayConfig config = parse("""
                model_list:
                  - {model_name: a, litellm_params: {model: openai/a, api_base: "http://h:1"}}
                  - {model_name: b, litellm_params: {model: openai/b, api_base: "http://h:2"}}
                  - {model_name: c, litellm_params: {model: openai/c, api_base: "http://h:3"}}
                litellm_settings:
                  num_retries: 6
                  request_timeout: 33
                  fallbacks: [{a: [b]}, {b: [a]}]
                router_settings:
                  num_retries: 0
                  timeout: 7
                  fallbacks: [{a: [c]}]
                """);
        RouterSettings r = config.router();
        assertEquals(0, r.numRetries(), "an explicit 0 in router_settings still wins");
        assertEquals(Duration.ofSeconds(7), r.timeout());
        assertEquals(Map.of("a", List.of("c"), "b", List.of("a")), r.fallbacks(),
                "router_settings replace litellm_settings fallbacks group by group");
        assertEquals(Duration.ofSeconds(7), config.deployments().get(0).timeout());
    }

    // ---- environment ---------------------------------------------------------------------------

    @Test
    void environmentReferencesResolveFromFileThenInjectedEnvironment() {
        Map<String, String> env = Map.of("BASE", "https://proxy.example.com/v1", "KEY", "sk-process",
                "BOTH", "process", "MASTER", "sk-admin", "VKEY", "sk-virtual");
        GatewayConfig config = parse("""
                environment_variables:
                  BOTH: file
                  PORT_AS_NUMBER: 6379
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: os.environ/BASE, api_key: os.environ/KEY}
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "http://h:1", api_key: os.environ/BOTH}
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "http://h:1", api_key: os.environ/PORT_AS_NUMBER}
                general_settings:
                  master_key: os.environ/MASTER
                virtual_keys:
                  - key: os.environ/VKEY
                """, env::get);
        assertEquals(List.of(), config.warnings());
        assertEquals(URI.create("https://proxy.example.com/v1"), config.deployments().get(0).apiBase());
        assertEquals("sk-process", config.deployments().get(0).apiKey());
        assertEquals("file", config.deployments().get(1).apiKey());
        assertEquals("6379", config.deployments().get(2).apiKey());
        assertEquals("sk-admin", config.masterKey());
        assertEquals("sk-virtual", config.virtualKeys().get(0).key());
    }

    @Test
    void missingEnvironmentVariablesWarn() {
        GatewayConfig config = parse("""
                model_list:
                  - model_name: m
                    litellm_params: {model: azure/m, api_base: os.environ/NO_BASE, api_key: os.environ/NO_KEY}
                """);
        Deployment d = config.deployments().get(0);
        assertNull(d.apiKey());
        assertNull(d.apiBase());
        assertWarnings(config,
                "model_list[0].litellm_params.api_base: environment variable NO_BASE is not set",
                "model_list[0].litellm_params.model: provider 'azure' is served as OpenAI-compatible; it has no "
                        + "api_base, so requests to it will fail",
                "model_list[0].litellm_params.api_key: environment variable NO_KEY is not set");
    }

    @Test
    void anUnsetMasterKeyVariableFailsInsteadOfTurningAuthOff() {
        assertInvalid(MODEL + "general_settings:\n  master_key: os.environ/NO_MASTER\n", "general_settings.master_key");
    }

    @Test
    void anUnsetVirtualKeyIsAnError() {
        assertInvalid(MODEL + "virtual_keys:\n  - key: os.environ/NOT_SET\n", "virtual_keys[0].key");
    }

    // ---- warnings ------------------------------------------------------------------------------

    @Test
    void unknownKeysWarnOnceEachWithTheirPath() {
        GatewayConfig config = parse("""
                model_list:
                  - model_name: m
                    deployment_note: x
                    litellm_params:
                      model: openai/m
                      api_base: http://h:1
                      api_version: "2024-02-01"
                      stream_timeout: 60
                    model_info:
                      mode: chat
                      base_model: gpt-4
                router_settings:
                  redis_host: localhost
                general_settings:
                  database_url: postgresql://u:p@h/db
                litellm_settings:
                  drop_params: true
                  success_callback: [langfuse]
                virtual_keys:
                  - key: sk-1
                    max_budget: 10
                gateway_settings:
                  threads: 4
                credential_list: []
                """);
        assertWarnings(config,
                "unknown setting credential_list is ignored",
                "unknown setting model_list[0].deployment_note is ignored",
                "unknown setting model_list[0].litellm_params.api_version is ignored",
                "unknown setting model_list[0].litellm_params.stream_timeout is ignored",
                "unknown setting model_list[0].model_info.mode is ignored",
                "unknown setting model_list[0].model_info.base_model is ignored",
                "unknown setting router_settings.redis_host is ignored",
                "unknown setting general_settings.database_url is ignored",
                "unknown setting litellm_settings.drop_params is ignored",
                "unknown setting litellm_settings.success_callback is ignored",
                "unknown setting virtual_keys[0].max_budget is ignored",
                "unknown setting gateway_settings.threads is ignored");
    }

    @Test
    void otherProvidersAreServedAsOpenAiCompatibleWithAWarning() {
        GatewayConfig config = parse("""
                model_list:
                  - {model_name: a, litellm_params: {model: "anthropic/claude-3-5-sonnet", api_base: "http://h:1"}}
                  - {model_name: b, litellm_params: {model: "mock/x", api_base: "http://h:1"}}
                  - {model_name: c, litellm_params: {model: "together_ai/meta/llama", api_base: "http://h:1"}}
                """);
        assertEquals("anthropic", config.deployments().get(0).provider());
        assertEquals("claude-3-5-sonnet", config.deployments().get(0).upstreamModel());
        assertEquals("meta/llama", config.deployments().get(2).upstreamModel(), "only the first slash splits");
        assertWarnings(config,
                "model_list[0].litellm_params.model: provider 'anthropic' is served as OpenAI-compatible",
                "model_list[2].litellm_params.model: provider 'together_ai' is served as OpenAI-compatible");
    }

    @Test
    void routingStrategies() {
        for (String strategy : RouterSettings.STRATEGIES) {
            GatewayConfig config = parse(MODEL + "router_settings: {routing_strategy: " + strategy + "}\n");
            assertEquals(strategy, config.router().routingStrategy());
            assertEquals(List.of(), config.warnings());
        }
        GatewayConfig legacy = parse(MODEL + "router_settings: {routing_strategy: usage-based-routing}\n");
        assertEquals("usage-based-routing-v2", legacy.router().routingStrategy());
        assertWarnings(legacy,
                "router_settings.routing_strategy: 'usage-based-routing' is served as 'usage-based-routing-v2'");
    }

    @Test
    void fallbackForms() {
        GatewayConfig config = parse("""
                model_list:
                  - {model_name: a, litellm_params: {model: openai/a, api_base: "http://h:1"}}
                  - {model_name: b, litellm_params: {model: openai/b, api_base: "http://h:1"}}
                router_settings:
                  fallbacks: [{a: b}, {ghost: [a]}]
                """);
        assertEquals(Map.of("a", List.of("b"), "ghost", List.of("a")), config.router().fallbacks());
        assertWarnings(config, "router_settings.fallbacks: group 'ghost' has no deployments");
    }

    // ---- invalid values ------------------------------------------------------------------------

    @Test
    void invalidDeploymentValuesNameTheField() {
        String second = """
                model_list:
                  - model_name: ok
                    litellm_params: {model: openai/ok, api_base: "http://h:1"}
                  - model_name: m
                    litellm_params:
                      model: openai/m
                      api_base: http://h:1
                      %s
                """;
        String p = "model_list[1].litellm_params.";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("rpm: -1", p + "rpm");
        cases.put("rpm: many", p + "rpm");
        cases.put("rpm: 1.5", p + "rpm");
        cases.put("rpm: [1]", p + "rpm");
        cases.put("tpm: -5", p + "tpm");
        cases.put("tpm: {a: 1}", p + "tpm");
        cases.put("weight: heavy", p + "weight");
        cases.put("weight: -2", p + "weight");
        cases.put("timeout: 0", p + "timeout");
        cases.put("timeout: -3", p + "timeout");
        cases.put("timeout: soon", p + "timeout");
        cases.put("timeout: \"NaN\"", p + "timeout");
        cases.put("timeout: 99999999999", p + "timeout");
        cases.put("max_parallel_requests: 0", p + "max_parallel_requests");
        cases.put("max_parallel_requests: lots", p + "max_parallel_requests");
        cases.put("api_key: {env: X}", p + "api_key");
        cases.put("api_key: [a, b]", p + "api_key");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertInvalid(String.format(Locale.ROOT, second, c.getKey()), c.getValue());
        }
        String base = """
                model_list:
                  - model_name: ok
                    litellm_params: {model: openai/ok, api_base: "http://h:1"}
                  - model_name: m
                    litellm_params: {model: "openai/m", api_base: "%s"}
                """;
        for (String bad : List.of("ftp://h/v1", "localhost:8000", "http://", "http://h:1/a b", "your_ollama_api_base")) {
            assertInvalid(String.format(Locale.ROOT, base, bad), p + "api_base");
        }
    }

    @Test
    void invalidStructureNamesTheField() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("general_settings: {master_key: x}\n", "model_list");
        cases.put("model_list: {m: 1}\n", "model_list");
        cases.put("model_list: []\n", "model_list");
        cases.put("model_list: [x]\n", "model_list[0]");
        cases.put("model_list:\n  - litellm_params: {model: openai/m}\n", "model_list[0].model_name");
        cases.put("model_list:\n  - {model_name: '  ', litellm_params: {model: openai/m}}\n", "model_list[0].model_name");
        cases.put("model_list:\n  - {model_name: [a], litellm_params: {model: openai/m}}\n", "model_list[0].model_name");
        cases.put("model_list:\n  - {model_name: m}\n", "model_list[0].litellm_params");
        cases.put("model_list:\n  - {model_name: m, litellm_params: openai/m}\n", "model_list[0].litellm_params");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {api_base: 'http://h:1'}}\n",
                "model_list[0].litellm_params.model");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {model: 'azure/'}}\n",
                "model_list[0].litellm_params.model");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {model: openai/m}, model_info: chat}\n",
                "model_list[0].model_info");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {model: openai/m}, model_info: {id: ' '}}\n",
                "model_list[0].model_info.id");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {model: openai/m}, model_info: {max_input_tokens: 0}}\n",
                "model_list[0].model_info.max_input_tokens");
        cases.put("model_list:\n  - {model_name: m, litellm_params: {model: openai/m}, model_info: {id: x}}\n"
                + "  - {model_name: n, litellm_params: {model: openai/n}, model_info: {id: x}}\n",
                "model_list[1].model_info.id");
        cases.put(MODEL + "environment_variables: [A]\n", "environment_variables");
        cases.put(MODEL + "router_settings: [simple-shuffle]\n", "router_settings");
        cases.put(MODEL + "router_settings: {routing_strategy: random}\n", "router_settings.routing_strategy");
        cases.put(MODEL + "router_settings: {routing_strategy: [simple-shuffle]}\n", "router_settings.routing_strategy");
        cases.put(MODEL + "router_settings: {num_retries: -1}\n", "router_settings.num_retries");
        cases.put(MODEL + "router_settings: {num_retries: 101}\n", "router_settings.num_retries");
        cases.put(MODEL + "router_settings: {fallbacks: m}\n", "router_settings.fallbacks");
        cases.put(MODEL + "router_settings: {fallbacks: [m]}\n", "router_settings.fallbacks[0]");
        cases.put(MODEL + "router_settings: {fallbacks: [{m: 5}]}\n", "router_settings.fallbacks[0].m");
        cases.put(MODEL + "router_settings: {fallbacks: [{m: [[x]]}]}\n", "router_settings.fallbacks[0].m[0]");
        cases.put(MODEL + "router_settings: {fallbacks: [{m: [nowhere]}]}\n", "router_settings.fallbacks.m");
        cases.put(MODEL + "router_settings: {allowed_fails: -1}\n", "router_settings.allowed_fails");
        cases.put(MODEL + "router_settings: {cooldown_time: -1}\n", "router_settings.cooldown_time");
        cases.put(MODEL + "router_settings: {timeout: 0}\n", "router_settings.timeout");
        cases.put(MODEL + "litellm_settings: true\n", "litellm_settings");
        cases.put(MODEL + "litellm_settings: {num_retries: three}\n", "litellm_settings.num_retries");
        cases.put(MODEL + "litellm_settings: {request_timeout: 0}\n", "litellm_settings.request_timeout");
        cases.put(MODEL + "litellm_settings: {fallbacks: {m: [m]}}\n", "litellm_settings.fallbacks");
        cases.put(MODEL + "general_settings: sk-1\n", "general_settings");
        cases.put(MODEL + "general_settings: {master_key: [sk-1]}\n", "general_settings.master_key");
        cases.put(MODEL + "virtual_keys: {key: sk-1}\n", "virtual_keys");
        cases.put(MODEL + "virtual_keys: [sk-1]\n", "virtual_keys[0]");
        cases.put(MODEL + "virtual_keys: [{rpm_limit: 1}]\n", "virtual_keys[0].key");
        cases.put(MODEL + "virtual_keys: [{key: ''}]\n", "virtual_keys[0].key");
        cases.put(MODEL + "virtual_keys: [{key: sk-1}, {key: sk-1}]\n", "virtual_keys[1].key");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, key_alias: [a]}]\n", "virtual_keys[0].key_alias");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, rpm_limit: -1}]\n", "virtual_keys[0].rpm_limit");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, tpm_limit: lots}]\n", "virtual_keys[0].tpm_limit");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, max_parallel_requests: 0}]\n", "virtual_keys[0].max_parallel_requests");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, models: m}]\n", "virtual_keys[0].models");
        cases.put(MODEL + "virtual_keys: [{key: sk-1, models: [[m]]}]\n", "virtual_keys[0].models[0]");
        cases.put(MODEL + "gateway_settings: [1]\n", "gateway_settings");
        cases.put(MODEL + "gateway_settings: {max_request_bytes: 0}\n", "gateway_settings.max_request_bytes");
        cases.put(MODEL + "gateway_settings: {max_request_bytes: 3000000000}\n", "gateway_settings.max_request_bytes");
        cases.put(MODEL + "gateway_settings: {drain_timeout: -1}\n", "gateway_settings.drain_timeout");
        cases.put(MODEL + "gateway_settings: {idle_connection_timeout: 0}\n", "gateway_settings.idle_connection_timeout");
        cases.put(MODEL + "gateway_settings: {connect_timeout: fast}\n", "gateway_settings.connect_timeout");
        cases.put(MODEL + "gateway_settings: {max_retry_after: -0.5}\n", "gateway_settings.max_retry_after");
        cases.put(MODEL + "gateway_settings: {client_header_timeout: 0}\n", "gateway_settings.client_header_timeout");
        cases.put(MODEL + "gateway_settings: {client_body_timeout: slow}\n", "gateway_settings.client_body_timeout");
        cases.put(MODEL + "gateway_settings: {client_idle_timeout: -1}\n", "gateway_settings.client_idle_timeout");
        cases.put(MODEL + "gateway_settings: {client_send_timeout: [1]}\n", "gateway_settings.client_send_timeout");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            assertInvalid(c.getKey(), c.getValue());
        }
    }

    @Test
    void unreadableDocuments() {
        assertTrue(assertThrows(ConfigException.class, () -> parse("model_list: [\n"))
                .getMessage().startsWith("config is not valid YAML"));
        assertEquals("config is empty", assertThrows(ConfigException.class, () -> parse("")).getMessage());
        assertEquals("config is empty", assertThrows(ConfigException.class, () -> parse("# only a comment\n")).getMessage());
        assertInvalid("just a string\n", "config");
        assertInvalid("- a\n- b\n", "config");
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Path.of("does/not/exist.yaml")));
        assertTrue(missing.getMessage().startsWith("cannot read config"), missing.getMessage());
    }

    // ---- built-in and LiteLLM's own examples ---------------------------------------------------

    @Test
    void builtInConfigServesTheEmbeddedMock() {
        GatewayConfig config = ConfigLoader.builtIn();
        assertEquals(List.of("gpt-4o-mini", "gpt-3.5-turbo", "text-embedding-3-small"),
                List.copyOf(config.groups().keySet()));
        assertEquals(2, config.groups().get("gpt-4o-mini").size());
        assertEquals("sk-demo", config.masterKey());
        assertTrue(config.authEnabled());
        assertEquals(List.of(), config.warnings());
        for (Deployment d : config.deployments()) {
            assertTrue(d.embeddedMock(), d.toString());
            assertNull(d.apiBase());
            URI bound = URI.create("http://127.0.0.1:1234/v1");
            assertEquals(bound, d.withApiBase(bound).apiBase());
            assertEquals(d.id(), d.withApiBase(bound).id());
        }
    }

    @Test
    void litellmDocsQuickStartLoads() throws Exception {
        GatewayConfig config = resource("config/litellm-docs/quick-start.yaml", NO_ENV);
        assertEquals(List.of("gpt-4o", "bedrock-claude-v1", "anthropic-claude", "vllm-models", "*"),
                List.copyOf(config.groups().keySet()));
        List<Deployment> gpt4o = config.groups().get("gpt-4o");
        assertEquals(2, gpt4o.size());
        assertEquals("azure", gpt4o.get(0).provider());
        assertEquals("gpt-4o-eu", gpt4o.get(0).upstreamModel());
        assertEquals(URI.create("https://my-endpoint-europe-berri-992.openai.azure.com"), gpt4o.get(0).apiBase());
        assertEquals(OptionalLong.of(6), gpt4o.get(1).rpm());
        Deployment vllm = config.groups().get("vllm-models").get(0);
        assertEquals("openai", vllm.provider());
        assertEquals("facebook/opt-125m", vllm.upstreamModel());
        assertEquals(URI.create("http://0.0.0.0:4000/v1"), vllm.apiBase());
        assertEquals(OptionalLong.of(1440), vllm.rpm());
        assertEquals("sk-1234", config.masterKey());
        assertWarnings(config,
                "model_list[0].litellm_params.model: provider 'azure' is served as OpenAI-compatible",
                "model_list[0].litellm_params.api_key: environment variable AZURE_API_KEY_EU is not set",
                "model_list[1].litellm_params.model: provider 'bedrock' is served as OpenAI-compatible; it has no "
                        + "api_base, so requests to it will fail",
                "model_list[2].litellm_params.model: provider 'azure' is served as OpenAI-compatible",
                "model_list[2].litellm_params.api_key: environment variable AZURE_API_KEY_CA is not set",
                "unknown setting model_list[3].litellm_params.aws_region_name is ignored",
                "model_list[3].litellm_params.model: provider 'bedrock' is served as OpenAI-compatible; it has no "
                        + "api_base, so requests to it will fail",
                "unknown setting model_list[4].model_info.version is ignored",
                "unknown setting litellm_settings.drop_params is ignored",
                "unknown setting litellm_settings.success_callback is ignored",
                "unknown setting general_settings.alerting is ignored");

        Map<String, String> env = Map.of("AZURE_API_KEY_EU", "eu-key", "AZURE_API_KEY_CA", "ca-key");
        GatewayConfig withEnv = resource("config/litellm-docs/quick-start.yaml", env::get);
        assertEquals("eu-key", withEnv.groups().get("gpt-4o").get(0).apiKey());
        assertEquals("ca-key", withEnv.groups().get("gpt-4o").get(1).apiKey());
        assertEquals(config.warnings().size() - 2, withEnv.warnings().size());
    }

    @Test
    void litellmDocsLoadBalancingLoads() throws Exception {
        GatewayConfig config = resource("config/litellm-docs/load-balancing.yaml", NO_ENV);
        List<Deployment> zephyr = config.groups().get("zephyr-beta");
        assertEquals(3, zephyr.size());
        assertEquals(List.of(60L, 600L, 60_000L), zephyr.stream().map(d -> d.rpm().orElseThrow()).toList());
        assertEquals(OptionalLong.of(1000), zephyr.get(0).tpm());
        assertEquals(URI.create("http://0.0.0.0:8003"), zephyr.get(2).apiBase());
        assertEquals("huggingface", zephyr.get(0).provider());
        assertEquals("HuggingFaceH4/zephyr-7b-beta", zephyr.get(0).upstreamModel());
        assertEquals("<my-openai-key>", config.groups().get("gpt-4o").get(0).apiKey());
        RouterSettings r = config.router();
        assertEquals("simple-shuffle", r.routingStrategy());
        assertEquals(2, r.numRetries(), "router_settings.num_retries over litellm_settings.num_retries");
        assertEquals(Duration.ofSeconds(30), r.timeout(), "router_settings.timeout over request_timeout");
        assertEquals(Map.of("zephyr-beta", List.of("gpt-4o")), r.fallbacks());
        assertEquals(Duration.ofSeconds(30), zephyr.get(0).timeout());
        assertWarnings(config,
                "model_list[0].litellm_params.model: provider 'huggingface' is served as OpenAI-compatible",
                "model_list[1].litellm_params.model: provider 'huggingface' is served as OpenAI-compatible",
                "model_list[2].litellm_params.model: provider 'huggingface' is served as OpenAI-compatible",
                "unknown setting litellm_settings.context_window_fallbacks is ignored",
                "unknown setting litellm_settings.allowed_fails is ignored",
                "unknown setting router_settings.model_group_alias is ignored",
                "unknown setting router_settings.redis_host is ignored",
                "unknown setting router_settings.redis_password is ignored",
                "unknown setting router_settings.redis_port is ignored");
    }

    @Test
    void litellmDocsVirtualKeysSetupLoads() throws Exception {
        Map<String, String> env = Map.of("AZURE_API_BASE", "https://my-resource.openai.azure.com/",
                "AZURE_API_KEY", "azure-key");
        GatewayConfig config = resource("config/litellm-docs/virtual-keys.yaml", env::get);
        Deployment d = config.deployments().get(0);
        assertEquals("azure", d.provider());
        assertEquals("my_azure_deployment", d.upstreamModel());
        assertEquals(URI.create("https://my-resource.openai.azure.com"), d.apiBase());
        assertEquals("azure-key", d.apiKey());
        assertEquals("sk-1234", config.masterKey());
        assertWarnings(config,
                "model_list[0].litellm_params.model: provider 'azure' is served as OpenAI-compatible",
                "unknown setting model_list[0].litellm_params.api_version is ignored",
                "unknown setting general_settings.database_url is ignored");

        GatewayConfig noEnv = resource("config/litellm-docs/virtual-keys.yaml", NO_ENV);
        assertNull(noEnv.deployments().get(0).apiBase());
        assertWarnings(noEnv,
                "model_list[0].litellm_params.api_base: environment variable AZURE_API_BASE is not set",
                "model_list[0].litellm_params.model: provider 'azure' is served as OpenAI-compatible; it has no "
                        + "api_base, so requests to it will fail",
                "model_list[0].litellm_params.api_key: environment variable AZURE_API_KEY is not set",
                "unknown setting model_list[0].litellm_params.api_version is ignored",
                "unknown setting general_settings.database_url is ignored");
    }

    @Test
    void litellmDocsAnthropicQuickstartLoads() throws Exception {
        Map<String, String> env = Map.of("ANTHROPIC_API_KEY", "sk-ant-test", "LITELLM_MASTER_KEY", "sk-master");
        GatewayConfig config = resource("config/litellm-docs/anthropic.yaml", env::get);
        assertEquals(3, config.groups().size());
        for (Deployment d : config.deployments()) {
            assertEquals("anthropic", d.provider());
            assertEquals(d.group(), d.upstreamModel());
            assertEquals("sk-ant-test", d.apiKey());
            assertNull(d.apiBase());
        }
        assertNull(config.masterKey(), "a master_key under litellm_settings is not a master key");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expected.add("model_list[" + i + "].litellm_params.model: provider 'anthropic' is served as "
                    + "OpenAI-compatible; it has no api_base, so requests to it will fail");
        }
        expected.add("unknown setting litellm_settings.master_key is ignored");
        assertWarnings(config, expected.toArray(String[]::new));
    }

    @Test
    void litellmRepositoryExamplesLoad() throws Exception {
        GatewayConfig lb = resource("config/litellm-tests/load-balancer.yaml", NO_ENV);
        assertEquals(3, lb.groups().get("gpt-3.5-turbo").size());
        assertEquals("sk-uj6F", lb.deployments().get(0).apiKey());
        assertEquals(OptionalLong.empty(), lb.deployments().get(0).rpm(), "rpm outside litellm_params is ignored");
        assertTrue(lb.warnings().contains("unknown setting model_list[0].rpm is ignored"), lb.warnings().toString());
        assertTrue(lb.warnings().contains("unknown setting model_list[1].tpm is ignored"), lb.warnings().toString());
        assertTrue(lb.warnings().contains("unknown setting litellm_settings.drop_params is ignored"));
        assertNoDuplicates(lb.warnings());

        GatewayConfig azure = resource("config/litellm-tests/azure-config.yaml", Map.of("AZURE_API_KEY", "k")::get);
        assertEquals(OptionalLong.of(20_000), azure.deployments().get(0).tpm(), "YAML 1.1 digit separators");
        assertEquals(OptionalLong.of(100_000), azure.deployments().get(1).tpm());
        assertEquals("k", azure.deployments().get(1).apiKey());
    }

    @Test
    void loadReadsAFile() throws URISyntaxException {
        Path file = Path.of(getClass().getClassLoader().getResource("config/litellm-docs/quick-start.yaml").toURI());
        GatewayConfig config = ConfigLoader.load(file);
        assertEquals(6, config.deployments().size());
        assertEquals("sk-1234", config.masterKey());
    }

    // ---- regressions ---------------------------------------------------------------------------

    @Test
    void anEmptyEnvironmentVariablesValueIsNotTheStringNull() {
        // LiteLLM's own example configs leave values empty (REDIS_PASSWORD:) for the operator to fill in
        GatewayConfig config = parse("""
                environment_variables:
                  EMPTY:
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "http://h:1", api_key: os.environ/EMPTY}
                """, Map.of("EMPTY", "from-process")::get);
        assertEquals("from-process", config.deployments().get(0).apiKey());
        assertWarnings(config, "environment_variables.EMPTY: no value; the process environment is used");

        GatewayConfig unset = parse("""
                environment_variables:
                  EMPTY: ~
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "http://h:1", api_key: os.environ/EMPTY}
                """);
        assertNull(unset.deployments().get(0).apiKey());
        assertWarnings(unset, "environment_variables.EMPTY: no value; the process environment is used",
                "model_list[0].litellm_params.api_key: environment variable EMPTY is not set");
    }

    @Test
    void anEnvironmentVariablesValueMustBeAScalar() {
        assertInvalid("environment_variables:\n  KEY: {nested: true}\n" + MODEL, "environment_variables.KEY");
        assertInvalid("environment_variables:\n  KEY: [a, b]\n" + MODEL, "environment_variables.KEY");
    }

    @Test
    void integerSettingsDoNotOverflow() {
        String big = "3000000000"; // wraps to a negative int when narrowed without a check
        assertInvalid(String.format(Locale.ROOT, """
                model_list:
                  - {model_name: m, litellm_params: {model: openai/m, api_base: "http://h:1", max_parallel_requests: %s}}
                """, big), "model_list[0].litellm_params.max_parallel_requests");
        assertInvalid(String.format(Locale.ROOT, """
                model_list:
                  - {model_name: m, litellm_params: {model: openai/m, api_base: "http://h:1"}, model_info: {max_input_tokens: %s}}
                """, big), "model_list[0].model_info.max_input_tokens");
        assertInvalid(MODEL + "virtual_keys: [{key: sk-1, max_parallel_requests: " + big + "}]\n",
                "virtual_keys[0].max_parallel_requests");
        GatewayConfig largest = parse("""
                model_list:
                  - {model_name: m, litellm_params: {model: openai/m, api_base: "http://h:1", max_parallel_requests: 2147483647}}
                """);
        assertEquals(Integer.MAX_VALUE, largest.deployments().get(0).maxParallelRequests());
    }

    @Test
    void litellmSettingsFallbackProblemsNameLitellmSettings() {
        assertInvalid(MODEL + "litellm_settings: {fallbacks: [{m: [nowhere]}]}\n", "litellm_settings.fallbacks.m");
        GatewayConfig config = parse(MODEL + "litellm_settings: {fallbacks: [{ghost: [m]}]}\n");
        assertWarnings(config, "litellm_settings.fallbacks: group 'ghost' has no deployments");
        // a group that router_settings overrides is reported under router_settings
        assertInvalid(MODEL + "litellm_settings: {fallbacks: [{m: [m]}]}\nrouter_settings: {fallbacks: [{m: [nowhere]}]}\n",
                "router_settings.fallbacks.m");
    }

    @Test
    void anEmptyMasterKeyIsAnError() {
        // an empty master key would let "Authorization: Bearer " through
        assertInvalid(MODEL + "general_settings: {master_key: ''}\n", "general_settings.master_key");
        assertInvalid(MODEL + "general_settings: {master_key: '   '}\n", "general_settings.master_key");
        assertInvalid(MODEL + "general_settings: {master_key: os.environ/EMPTY_MASTER}\nenvironment_variables: {EMPTY_MASTER: ''}\n",
                "general_settings.master_key");
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, NO_ENV);
    }

    private static GatewayConfig parse(String yaml, Function<String, String> env) {
        return ConfigLoader.parse(yaml, env);
    }

    private static GatewayConfig resource(String name, Function<String, String> env) throws IOException {
        try (InputStream in = ConfigLoaderTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                fail("missing test resource " + name);
            }
            return ConfigLoader.parse(in, env);
        }
    }

    @Test
    void credentialsInAnApiBaseAreNotEchoed() {
        String yaml = """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/m, api_base: "%s"}
                """;
        for (String bad : List.of("ftp://admin:hunter2@h/v1?key=topsecret", "http://admin:hunter2@h:1/a b?key=topsecret",
                "admin:hunter2@h?key=topsecret")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> parse(String.format(Locale.ROOT, yaml, bad)));
            assertTrue(e.getMessage().startsWith("model_list[0].litellm_params.api_base:"), e.getMessage());
            assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
            assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse(String.format(Locale.ROOT, yaml, "ftp://admin:hunter2@h/v1?key=topsecret")));
        assertTrue(e.getMessage().contains("'ftp://***@h/v1?***'"), "still says which URL: " + e.getMessage());
    }

    private static void assertInvalid(String yaml, String field) {
        ConfigException e;
        try {
            GatewayConfig unexpected = parse(yaml);
            fail("expected a ConfigException naming " + field + " for:\n" + yaml + "got " + unexpected
                    + " with warnings " + unexpected.warnings());
            return;
        } catch (ConfigException thrown) {
            e = thrown;
        }
        assertTrue(e.getMessage().startsWith(field + ":"), "expected a message starting with '" + field + ":' for:\n"
                + yaml + "got: " + e.getMessage());
    }

    /** The warnings are exactly these, in any order, each once. */
    private static void assertWarnings(GatewayConfig config, String... expected) {
        List<String> actual = new ArrayList<>(config.warnings());
        assertNoDuplicates(actual);
        List<String> want = new ArrayList<>(List.of(expected));
        java.util.Collections.sort(actual);
        java.util.Collections.sort(want);
        assertEquals(want, actual);
    }

    private static void assertNoDuplicates(List<String> warnings) {
        Map<String, Integer> seen = new HashMap<>();
        for (String w : warnings) {
            if (seen.merge(w, 1, Integer::sum) > 1) {
                fail("warning given twice: " + w);
            }
        }
    }

    @Test
    void aConfigOverSnakeYamlsDefaultThreeMillionCodePointsLoads() {
        // a block scalar of 3.5 M characters (SnakeYAML reads long lines and comments far more slowly)
        String yaml = """
                model_list:
                  - model_name: m
                    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:9/v1"}
                environment_variables:
                  PAD: |
                """ + ("    " + "x".repeat(1000) + "\n").repeat(3500);
        assertEquals(1, ConfigLoader.parse(yaml, System::getenv).deployments().size());
    }
}
