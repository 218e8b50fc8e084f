package dev.fastllm.gateway.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

import static dev.fastllm.gateway.config.ConfigValues.baseUrl;
import static dev.fastllm.gateway.config.ConfigValues.nonNegativeLong;
import static dev.fastllm.gateway.config.ConfigValues.optionalNonNegative;
import static dev.fastllm.gateway.config.ConfigValues.positiveInt;
import static dev.fastllm.gateway.config.ConfigValues.positiveLong;
import static dev.fastllm.gateway.config.ConfigValues.present;
import static dev.fastllm.gateway.config.ConfigValues.requireObject;
import static dev.fastllm.gateway.config.ConfigValues.required;
import static dev.fastllm.gateway.config.ConfigValues.string;

/**
 * Reads the LiteLLM {@code config.yaml} subset that users write, validating as it goes.
 *
 * <p>Unknown keys produce one warning each (LiteLLM's own example configs carry many settings this gateway
 * does not need, and they must still load). A value of the wrong type or range fails start-up with a
 * {@link ConfigException} naming the field. {@code os.environ/VAR} references resolve first from the file's
 * {@code environment_variables}, then from the process environment.
 */
public final class ConfigLoader {

    /** {@code api_base} value that routes a deployment to the in-process mock provider. */
    /**
     * SnakeYAML refuses documents over 3 M code points by default; a gateway with 100 000 virtual keys has a
     * config of ~5 MB, so the limit is 64 M (the file is the operator's own, not untrusted input).
     */
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .loaderOptions(loaderOptions())
            .enable(com.fasterxml.jackson.dataformat.yaml.YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
        org.yaml.snakeyaml.LoaderOptions options = new org.yaml.snakeyaml.LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024);
        return options;
    }

    public static final String EMBEDDED_MOCK = "embedded:mock";
    static final URI OPENAI_BASE = URI.create("https://api.openai.com/v1");
    static final int DEFAULT_MAX_PARALLEL = 128;

    private static final Keys TOP = new Keys("");
    private static final String MODEL_LIST = TOP.add("model_list");
    private static final String ROUTER_SETTINGS = TOP.add("router_settings");
    private static final String GENERAL_SETTINGS = TOP.add("general_settings");
    private static final String LITELLM_SETTINGS = TOP.add("litellm_settings");
    private static final String VIRTUAL_KEYS = TOP.add("virtual_keys");
    private static final String GATEWAY_SETTINGS = TOP.add("gateway_settings");
    private static final String ENVIRONMENT_VARIABLES = TOP.add("environment_variables");

    private static final Keys DEPLOYMENT = new Keys(MODEL_LIST);
    private static final String MODEL_NAME = DEPLOYMENT.add("model_name");
    private static final String LITELLM_PARAMS = DEPLOYMENT.add("litellm_params");
    private static final String MODEL_INFO = DEPLOYMENT.add("model_info");

    private static final Keys PARAMS = new Keys(LITELLM_PARAMS);
    private static final String MODEL = PARAMS.add("model");
    private static final String API_BASE = PARAMS.add("api_base");
    private static final String API_KEY = PARAMS.add("api_key");
    private static final String RPM = PARAMS.add("rpm");
    private static final String TPM = PARAMS.add("tpm");
    private static final String WEIGHT = PARAMS.add("weight");
    private static final String DEPLOYMENT_TIMEOUT = PARAMS.add("timeout");
    private static final String DEPLOYMENT_MAX_PARALLEL = PARAMS.add("max_parallel_requests");

    private static final Keys INFO = new Keys(MODEL_INFO);
    private static final String ID = INFO.add("id");
    private static final String MAX_INPUT_TOKENS = INFO.add("max_input_tokens");

    private static final Keys ROUTER = new Keys(ROUTER_SETTINGS);
    private static final String ROUTING_STRATEGY = ROUTER.add("routing_strategy");
    private static final String NUM_RETRIES = ROUTER.add("num_retries");
    private static final String FALLBACKS = ROUTER.add("fallbacks");
    private static final String ALLOWED_FAILS = ROUTER.add("allowed_fails");
    private static final String COOLDOWN_TIME = ROUTER.add("cooldown_time");
    private static final String TIMEOUT = ROUTER.add("timeout");

    private static final Keys GENERAL = new Keys(GENERAL_SETTINGS);
    private static final String MASTER_KEY = GENERAL.add("master_key");

    private static final Keys LITELLM = new Keys(LITELLM_SETTINGS);
    private static final String LITELLM_NUM_RETRIES = LITELLM.add("num_retries");
    private static final String REQUEST_TIMEOUT = LITELLM.add("request_timeout");
    private static final String LITELLM_FALLBACKS = LITELLM.add("fallbacks");

    private static final Keys KEY = new Keys(VIRTUAL_KEYS);
    private static final String KEY_VALUE = KEY.add("key");
    private static final String KEY_ALIAS = KEY.add("key_alias");
    private static final String RPM_LIMIT = KEY.add("rpm_limit");
    private static final String TPM_LIMIT = KEY.add("tpm_limit");
    private static final String KEY_MAX_PARALLEL = KEY.add("max_parallel_requests");
    private static final String MODELS = KEY.add("models");

    private static final Keys GATEWAY = new Keys(GATEWAY_SETTINGS);
    private static final String MAX_REQUEST_BYTES = GATEWAY.add("max_request_bytes");
    private static final String DRAIN_TIMEOUT = GATEWAY.add("drain_timeout");
    private static final String IDLE_CONNECTION_TIMEOUT = GATEWAY.add("idle_connection_timeout");
    private static final String CONNECT_TIMEOUT = GATEWAY.add("connect_timeout");
    private static final String MAX_RETRY_AFTER = GATEWAY.add("max_retry_after");
    private static final String CLIENT_HEADER_TIMEOUT = GATEWAY.add("client_header_timeout");
    private static final String CLIENT_BODY_TIMEOUT = GATEWAY.add("client_body_timeout");
    private static final String CLIENT_IDLE_TIMEOUT = GATEWAY.add("client_idle_timeout");
    private static final String CLIENT_SEND_TIMEOUT = GATEWAY.add("client_send_timeout");

    private static final Map<String, String> STRATEGY_ALIASES = Map.of("usage-based-routing", "usage-based-routing-v2");

    private final Function<String, String> environment;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, String> fileEnvironment = new HashMap<>();
    /** For each fallback source group, the setting that defined it, so that messages name the right field. */
    private final Map<String, String> fallbackSource = new HashMap<>();

    private ConfigLoader(Function<String, String> environment) {
        this.environment = environment;
    }

    public static GatewayConfig load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, System::getenv);
        } catch (IOException e) {
            throw new ConfigException("cannot read config " + file + ": " + e.getMessage(), e);
        }
    }

    /** The built-in configuration used when no {@code --config} is given: the embedded mock provider. */
    public static GatewayConfig builtIn() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/default-config.yaml")) {
            if (in == null) {
                throw new IllegalStateException("default-config.yaml missing from the jar");
            }
            return parse(in, System::getenv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static GatewayConfig parse(String yaml, Function<String, String> environment) {
        return parse(new java.io.ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), environment);
    }

    public static GatewayConfig parse(InputStream yaml, Function<String, String> environment) {
        JsonNode root;
        try {
            root = new ObjectMapper(YAML).readTree(yaml);
        } catch (JacksonException e) {
            throw new ConfigException("config is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read config: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException("config is empty");
        }
        return new ConfigLoader(environment).read(root);
    }

    private GatewayConfig read(JsonNode root) {
        requireObject(root, "config");
        TOP.warnUnknown(root, "", warnings);
        JsonNode env = root.path(ENVIRONMENT_VARIABLES);
        if (present(env)) {
            requireObject(env, ENVIRONMENT_VARIABLES);
            env.fields().forEachRemaining(e -> {
                String at = ENVIRONMENT_VARIABLES + "." + e.getKey();
                if (e.getValue().isNull()) {
                    warnings.add(at + ": no value; the process environment is used");
                } else {
                    fileEnvironment.put(e.getKey(), string(e.getValue(), at));
                }
            });
        }

        JsonNode litellm = section(root, LITELLM);
        JsonNode routerNode = section(root, ROUTER);
        JsonNode general = section(root, GENERAL);
        JsonNode gateway = section(root, GATEWAY);

        RouterSettings router = readRouter(routerNode, litellm);
        ServerSettings server = readServer(gateway);
        List<Deployment> deployments = readDeployments(root.path(MODEL_LIST), router);
        String masterKey = readMasterKey(general);
        List<VirtualKey> keys = readKeys(root.path(VIRTUAL_KEYS));

        Set<String> groups = new HashSet<>();
        deployments.forEach(d -> groups.add(d.group()));
        router.fallbacks().forEach((from, to) -> {
            String field = fallbackSource.get(from);
            if (!groups.contains(from)) {
                warnings.add(field + ": group '" + from + "' has no deployments");
            }
            for (String g : to) {
                if (!groups.contains(g)) {
                    throw new ConfigException(field + "." + from + ": fallback group '" + g
                            + "' has no deployments in " + MODEL_LIST);
                }
            }
        });
        return new GatewayConfig(List.copyOf(deployments), router, masterKey, List.copyOf(keys), server,
                List.copyOf(warnings));
    }

    private JsonNode section(JsonNode root, Keys keys) {
        JsonNode node = root.path(keys.name);
        if (!present(node)) {
            return MissingNode.getInstance();
        }
        requireObject(node, keys.name);
        keys.warnUnknown(node, keys.name + ".", warnings);
        return node;
    }

    private String readMasterKey(JsonNode general) {
        JsonNode masterNode = general.path(MASTER_KEY);
        String field = GENERAL.at(MASTER_KEY);
        String masterKey = optionalSecret(masterNode, field);
        if (present(masterNode) && masterKey == null) {
            // an unset os.environ reference must not silently turn authentication off
            throw new ConfigException(field + ": " + masterNode.asText()
                    + " refers to an environment variable that is not set");
        }
        if (masterKey != null && masterKey.isBlank()) {
            throw new ConfigException(field + ": must not be empty");
        }
        return masterKey;
    }

    private RouterSettings readRouter(JsonNode router, JsonNode litellm) {
        RouterSettings d = RouterSettings.DEFAULTS;
        String strategy = d.routingStrategy();
        JsonNode s = router.path(ROUTING_STRATEGY);
        if (present(s)) {
            String field = ROUTER.at(ROUTING_STRATEGY);
            strategy = string(s, field);
            if (STRATEGY_ALIASES.containsKey(strategy)) {
                warnings.add(field + ": '" + strategy + "' is served as '" + STRATEGY_ALIASES.get(strategy) + "'");
                strategy = STRATEGY_ALIASES.get(strategy);
            }
            if (!RouterSettings.STRATEGIES.contains(strategy)) {
                throw new ConfigException(field + ": unsupported strategy '" + strategy
                        + "'; expected one of " + RouterSettings.STRATEGIES);
            }
        }
        int retries = d.numRetries();
        if (present(litellm.path(LITELLM_NUM_RETRIES))) {
            retries = (int) nonNegativeLong(litellm.path(LITELLM_NUM_RETRIES), LITELLM.at(LITELLM_NUM_RETRIES), 100);
        }
        if (present(router.path(NUM_RETRIES))) {
            retries = (int) nonNegativeLong(router.path(NUM_RETRIES), ROUTER.at(NUM_RETRIES), 100);
        }
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        if (present(litellm.path(LITELLM_FALLBACKS))) {
            fallbacks.putAll(readFallbacks(litellm.path(LITELLM_FALLBACKS), LITELLM.at(LITELLM_FALLBACKS)));
        }
        if (present(router.path(FALLBACKS))) {
            fallbacks.putAll(readFallbacks(router.path(FALLBACKS), ROUTER.at(FALLBACKS)));
        }
        int allowedFails = d.allowedFails();
        if (present(router.path(ALLOWED_FAILS))) {
            allowedFails = (int) nonNegativeLong(router.path(ALLOWED_FAILS), ROUTER.at(ALLOWED_FAILS), 1_000_000);
        }
        Duration cooldown = seconds(router, ROUTER, COOLDOWN_TIME, true, d.cooldownTime());
        Duration timeout = seconds(litellm, LITELLM, REQUEST_TIMEOUT, false, d.timeout());
        timeout = seconds(router, ROUTER, TIMEOUT, false, timeout);
        return new RouterSettings(strategy, retries, Map.copyOf(fallbacks), allowedFails, cooldown, timeout);
    }

    private Map<String, List<String>> readFallbacks(JsonNode node, String field) {
        if (!node.isArray()) {
            throw new ConfigException(field + ": expected a list like [{group: [fallback-group]}]");
        }
        Map<String, List<String>> result = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode entry = node.get(i);
            String at = field + "[" + i + "]";
            requireObject(entry, at);
            for (Iterator<Map.Entry<String, JsonNode>> it = entry.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode list = e.getValue();
                List<String> targets = new ArrayList<>();
                if (list.isTextual()) {
                    targets.add(list.asText());
                } else if (list.isArray()) {
                    for (int j = 0; j < list.size(); j++) {
                        targets.add(string(list.get(j), at + "." + e.getKey() + "[" + j + "]"));
                    }
                } else {
                    throw new ConfigException(at + "." + e.getKey() + ": expected a list of model groups");
                }
                result.put(e.getKey(), List.copyOf(targets));
                fallbackSource.put(e.getKey(), field);
            }
        }
        return result;
    }

    private ServerSettings readServer(JsonNode g) {
        ServerSettings d = ServerSettings.DEFAULTS;
        long maxBytes = present(g.path(MAX_REQUEST_BYTES))
                ? positiveLong(g.path(MAX_REQUEST_BYTES), GATEWAY.at(MAX_REQUEST_BYTES)) : d.maxRequestBytes();
        if (maxBytes > Integer.MAX_VALUE) {
            throw new ConfigException(GATEWAY.at(MAX_REQUEST_BYTES) + ": at most " + Integer.MAX_VALUE);
        }
        return new ServerSettings(maxBytes,
                seconds(g, GATEWAY, DRAIN_TIMEOUT, true, d.drainTimeout()),
                seconds(g, GATEWAY, IDLE_CONNECTION_TIMEOUT, false, d.idleConnectionTimeout()),
                seconds(g, GATEWAY, CONNECT_TIMEOUT, false, d.connectTimeout()),
                seconds(g, GATEWAY, MAX_RETRY_AFTER, true, d.maxRetryAfter()),
                seconds(g, GATEWAY, CLIENT_HEADER_TIMEOUT, false, d.clientHeaderTimeout()),
                seconds(g, GATEWAY, CLIENT_BODY_TIMEOUT, false, d.clientBodyTimeout()),
                seconds(g, GATEWAY, CLIENT_IDLE_TIMEOUT, false, d.clientIdleTimeout()),
                seconds(g, GATEWAY, CLIENT_SEND_TIMEOUT, false, d.clientSendTimeout()));
    }

    /** {@code section.key} in seconds, or {@code otherwise} when the key is absent. */
    private static Duration seconds(JsonNode section, Keys keys, String key, boolean zeroAllowed, Duration otherwise) {
        JsonNode node = section.path(key);
        return present(node) ? ConfigValues.seconds(node, keys.at(key), zeroAllowed) : otherwise;
    }

    private List<Deployment> readDeployments(JsonNode list, RouterSettings router) {
        if (!present(list)) {
            throw new ConfigException(MODEL_LIST + ": required, a list of deployments");
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new ConfigException(MODEL_LIST + ": expected a non-empty list of deployments");
        }
        List<Deployment> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            Deployment d = readDeployment(list.get(i), MODEL_LIST + "[" + i + "]", i, router);
            if (!ids.add(d.id())) {
                throw new ConfigException(MODEL_LIST + "[" + i + "]." + MODEL_INFO + "." + ID
                        + ": duplicate deployment id '" + d.id() + "'");
            }
            result.add(d);
        }
        return result;
    }

    private Deployment readDeployment(JsonNode entry, String at, int index, RouterSettings router) {
        requireObject(entry, at);
        DEPLOYMENT.warnUnknown(entry, at + ".", warnings);
        String group = string(required(entry, MODEL_NAME, at), at + "." + MODEL_NAME);
        if (group.isBlank()) {
            throw new ConfigException(at + "." + MODEL_NAME + ": must not be blank");
        }
        String pAt = at + "." + LITELLM_PARAMS;
        JsonNode params = required(entry, LITELLM_PARAMS, at);
        requireObject(params, pAt);
        PARAMS.warnUnknown(params, pAt + ".", warnings);
        String model = string(required(params, MODEL, pAt), pAt + "." + MODEL);
        String provider = "openai";
        String upstreamModel = model;
        int slash = model.indexOf('/');
        if (slash > 0) {
            provider = model.substring(0, slash);
            upstreamModel = model.substring(slash + 1);
        }
        if (upstreamModel.isBlank()) {
            throw new ConfigException(pAt + "." + MODEL + ": no model name after the provider prefix");
        }
        JsonNode apiBase = params.path(API_BASE);
        String rawBase = present(apiBase) ? resolveEnv(string(apiBase, pAt + "." + API_BASE), pAt + "." + API_BASE) : null;
        boolean mock = EMBEDDED_MOCK.equals(rawBase);
        URI base = mock ? null : rawBase != null ? baseUrl(rawBase, pAt + "." + API_BASE)
                : !present(apiBase) && "openai".equals(provider) ? OPENAI_BASE : null;
        if (!"openai".equals(provider) && !"openai_compatible".equals(provider) && !"mock".equals(provider)) {
            warnings.add(pAt + "." + MODEL + ": provider '" + provider + "' is served as OpenAI-compatible"
                    + (base == null && !mock ? "; it has no " + API_BASE + ", so requests to it will fail" : ""));
        }
        String apiKey = optionalSecret(params.path(API_KEY), pAt + "." + API_KEY);
        OptionalLong rpm = optionalNonNegative(params.path(RPM), pAt + "." + RPM);
        OptionalLong tpm = optionalNonNegative(params.path(TPM), pAt + "." + TPM);
        OptionalLong weight = optionalNonNegative(params.path(WEIGHT), pAt + "." + WEIGHT);
        Duration timeout = present(params.path(DEPLOYMENT_TIMEOUT))
                ? ConfigValues.seconds(params.path(DEPLOYMENT_TIMEOUT), pAt + "." + DEPLOYMENT_TIMEOUT, false)
                : router.timeout();
        int maxParallel = present(params.path(DEPLOYMENT_MAX_PARALLEL))
                ? positiveInt(params.path(DEPLOYMENT_MAX_PARALLEL), pAt + "." + DEPLOYMENT_MAX_PARALLEL)
                : DEFAULT_MAX_PARALLEL;
        JsonNode info = entry.path(MODEL_INFO);
        String iAt = at + "." + MODEL_INFO;
        if (present(info)) {
            requireObject(info, iAt);
            INFO.warnUnknown(info, iAt + ".", warnings);
        }
        String id = group + "-" + index;
        if (present(info.path(ID))) {
            id = info.path(ID).asText();
            if (id.isBlank()) {
                throw new ConfigException(iAt + "." + ID + ": must not be blank");
            }
        }
        OptionalInt maxInput = present(info.path(MAX_INPUT_TOKENS))
                ? OptionalInt.of(positiveInt(info.path(MAX_INPUT_TOKENS), iAt + "." + MAX_INPUT_TOKENS))
                : OptionalInt.empty();
        return new Deployment(group, id, provider, upstreamModel, base, mock, apiKey, rpm, tpm, weight, timeout,
                maxParallel, maxInput);
    }

    private List<VirtualKey> readKeys(JsonNode list) {
        if (!present(list)) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(VIRTUAL_KEYS + ": expected a list");
        }
        List<VirtualKey> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = VIRTUAL_KEYS + "[" + i + "]";
            JsonNode k = list.get(i);
            requireObject(k, at);
            KEY.warnUnknown(k, at + ".", warnings);
            String field = at + "." + KEY_VALUE;
            String key = optionalSecret(required(k, KEY_VALUE, at), field);
            if (key == null || key.isEmpty()) {
                throw new ConfigException(field + ": must not be empty");
            }
            if (!seen.add(key)) {
                throw new ConfigException(field + ": duplicate key");
            }
            String alias = present(k.path(KEY_ALIAS)) ? string(k.path(KEY_ALIAS), at + "." + KEY_ALIAS) : fingerprint(key);
            OptionalLong rpm = optionalNonNegative(k.path(RPM_LIMIT), at + "." + RPM_LIMIT);
            OptionalLong tpm = optionalNonNegative(k.path(TPM_LIMIT), at + "." + TPM_LIMIT);
            OptionalInt parallel = present(k.path(KEY_MAX_PARALLEL))
                    ? OptionalInt.of(positiveInt(k.path(KEY_MAX_PARALLEL), at + "." + KEY_MAX_PARALLEL))
                    : OptionalInt.empty();
            Set<String> models = new LinkedHashSet<>();
            JsonNode m = k.path(MODELS);
            if (present(m)) {
                if (!m.isArray()) {
                    throw new ConfigException(at + "." + MODELS + ": expected a list of model groups");
                }
                for (int j = 0; j < m.size(); j++) {
                    models.add(string(m.get(j), at + "." + MODELS + "[" + j + "]"));
                }
            }
            keys.add(new VirtualKey(key, alias, rpm, tpm, parallel, Set.copyOf(models)));
        }
        return keys;
    }

    /** A printable, non-reversible name for a key: {@code key-} and 8 hex digits of its SHA-256. */
    public static String fingerprint(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "key-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String resolveEnv(String value, String field) {
        if (value != null && value.startsWith("os.environ/")) {
            String var = value.substring("os.environ/".length());
            String resolved = fileEnvironment.containsKey(var) ? fileEnvironment.get(var) : environment.apply(var);
            if (resolved == null) {
                warnings.add(field + ": environment variable " + var + " is not set");
            }
            return resolved;
        }
        return value;
    }

    private String optionalSecret(JsonNode node, String field) {
        if (!present(node)) {
            return null;
        }
        return resolveEnv(string(node, field), field);
    }

    /**
     * The keys one mapping of the file may hold, each named once (where its constant is declared); every
     * other key in such a mapping gets a warning.
     */
    private static final class Keys {
        final String name;
        private final Set<String> known = new HashSet<>();

        Keys(String name) {
            this.name = name;
        }

        String add(String key) {
            known.add(key);
            return key;
        }

        /** The key's path for messages, e.g. {@code gateway_settings.drain_timeout}. */
        String at(String key) {
            return name + "." + key;
        }

        void warnUnknown(JsonNode node, String prefix, List<String> warnings) {
            node.fieldNames().forEachRemaining(k -> {
                if (!known.contains(k)) {
                    warnings.add("unknown setting " + prefix + k + " is ignored");
                }
            });
        }
    }
}
