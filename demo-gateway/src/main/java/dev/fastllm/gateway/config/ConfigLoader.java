package dev.fastllm.gateway.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
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
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

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

    private static final Set<String> TOP = Set.of("model_list", "router_settings", "general_settings",
            "litellm_settings", "virtual_keys", "gateway_settings", "environment_variables");
    private static final Set<String> DEPLOYMENT = Set.of("model_name", "litellm_params", "model_info");
    private static final Set<String> PARAMS = Set.of("model", "api_base", "api_key", "rpm", "tpm", "weight",
            "timeout", "max_parallel_requests");
    private static final Set<String> MODEL_INFO = Set.of("id", "max_input_tokens");
    private static final Set<String> ROUTER = Set.of("routing_strategy", "num_retries", "fallbacks",
            "allowed_fails", "cooldown_time", "timeout");
    private static final Set<String> GENERAL = Set.of("master_key");
    private static final Set<String> LITELLM = Set.of("num_retries", "request_timeout", "fallbacks");
    private static final Set<String> KEY = Set.of("key", "key_alias", "rpm_limit", "tpm_limit",
            "max_parallel_requests", "models");
    private static final Set<String> GATEWAY = Set.of("max_request_bytes", "drain_timeout",
            "idle_connection_timeout", "connect_timeout", "max_retry_after");
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
        warnUnknown(root, TOP, "");
        JsonNode env = root.path("environment_variables");
        if (!env.isMissingNode() && !env.isNull()) {
            requireObject(env, "environment_variables");
            env.fields().forEachRemaining(e -> {
                String at = "environment_variables." + e.getKey();
                if (e.getValue().isNull()) {
                    warnings.add(at + ": no value; the process environment is used");
                } else {
                    fileEnvironment.put(e.getKey(), string(e.getValue(), at));
                }
            });
        }

        JsonNode litellm = section(root, "litellm_settings", LITELLM);
        JsonNode routerNode = section(root, "router_settings", ROUTER);
        JsonNode general = section(root, "general_settings", GENERAL);
        JsonNode gateway = section(root, "gateway_settings", GATEWAY);

        RouterSettings router = readRouter(routerNode, litellm);
        ServerSettings server = readServer(gateway);
        List<Deployment> deployments = readDeployments(root.path("model_list"), router);
        JsonNode masterNode = general.path("master_key");
        String masterKey = optionalSecret(masterNode, "general_settings.master_key");
        if (present(masterNode) && masterKey == null) {
            // an unset os.environ reference must not silently turn authentication off
            throw new ConfigException("general_settings.master_key: " + masterNode.asText()
                    + " refers to an environment variable that is not set");
        }
        if (masterKey != null && masterKey.isBlank()) {
            throw new ConfigException("general_settings.master_key: must not be empty");
        }
        List<VirtualKey> keys = readKeys(root.path("virtual_keys"));

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
                            + "' has no deployments in model_list");
                }
            }
        });
        return new GatewayConfig(List.copyOf(deployments), router, masterKey, List.copyOf(keys), server,
                List.copyOf(warnings));
    }

    private JsonNode section(JsonNode root, String name, Set<String> known) {
        JsonNode node = root.path(name);
        if (node.isMissingNode() || node.isNull()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        requireObject(node, name);
        warnUnknown(node, known, name + ".");
        return node;
    }

    private RouterSettings readRouter(JsonNode router, JsonNode litellm) {
        RouterSettings d = RouterSettings.DEFAULTS;
        String strategy = d.routingStrategy();
        JsonNode s = router.path("routing_strategy");
        if (present(s)) {
            strategy = string(s, "router_settings.routing_strategy");
            if (STRATEGY_ALIASES.containsKey(strategy)) {
                warnings.add("router_settings.routing_strategy: '" + strategy + "' is served as '"
                        + STRATEGY_ALIASES.get(strategy) + "'");
                strategy = STRATEGY_ALIASES.get(strategy);
            }
            if (!RouterSettings.STRATEGIES.contains(strategy)) {
                throw new ConfigException("router_settings.routing_strategy: unsupported strategy '" + strategy
                        + "'; expected one of " + RouterSettings.STRATEGIES);
            }
        }
        int retries = d.numRetries();
        if (present(litellm.path("num_retries"))) {
            retries = (int) nonNegativeLong(litellm.path("num_retries"), "litellm_settings.num_retries", 100);
        }
        if (present(router.path("num_retries"))) {
            retries = (int) nonNegativeLong(router.path("num_retries"), "router_settings.num_retries", 100);
        }
        Map<String, List<String>> fallbacks = new LinkedHashMap<>();
        if (present(litellm.path("fallbacks"))) {
            fallbacks.putAll(readFallbacks(litellm.path("fallbacks"), "litellm_settings.fallbacks"));
        }
        if (present(router.path("fallbacks"))) {
            fallbacks.putAll(readFallbacks(router.path("fallbacks"), "router_settings.fallbacks"));
        }
        int allowedFails = d.allowedFails();
        if (present(router.path("allowed_fails"))) {
            allowedFails = (int) nonNegativeLong(router.path("allowed_fails"), "router_settings.allowed_fails", 1_000_000);
        }
        Duration cooldown = d.cooldownTime();
        if (present(router.path("cooldown_time"))) {
            cooldown = seconds(router.path("cooldown_time"), "router_settings.cooldown_time", true);
        }
        Duration timeout = d.timeout();
        if (present(litellm.path("request_timeout"))) {
            timeout = seconds(litellm.path("request_timeout"), "litellm_settings.request_timeout", false);
        }
        if (present(router.path("timeout"))) {
            timeout = seconds(router.path("timeout"), "router_settings.timeout", false);
        }
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
        long maxBytes = present(g.path("max_request_bytes"))
                ? positiveLong(g.path("max_request_bytes"), "gateway_settings.max_request_bytes") : d.maxRequestBytes();
        if (maxBytes > Integer.MAX_VALUE) {
            throw new ConfigException("gateway_settings.max_request_bytes: at most " + Integer.MAX_VALUE);
        }
        return new ServerSettings(maxBytes,
                present(g.path("drain_timeout")) ? seconds(g.path("drain_timeout"), "gateway_settings.drain_timeout", true) : d.drainTimeout(),
                present(g.path("idle_connection_timeout")) ? seconds(g.path("idle_connection_timeout"), "gateway_settings.idle_connection_timeout", false) : d.idleConnectionTimeout(),
                present(g.path("connect_timeout")) ? seconds(g.path("connect_timeout"), "gateway_settings.connect_timeout", false) : d.connectTimeout(),
                present(g.path("max_retry_after")) ? seconds(g.path("max_retry_after"), "gateway_settings.max_retry_after", true) : d.maxRetryAfter());
    }

    private List<Deployment> readDeployments(JsonNode list, RouterSettings router) {
        if (!present(list)) {
            throw new ConfigException("model_list: required, a list of deployments");
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new ConfigException("model_list: expected a non-empty list of deployments");
        }
        List<Deployment> result = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "model_list[" + i + "]";
            JsonNode entry = list.get(i);
            requireObject(entry, at);
            warnUnknown(entry, DEPLOYMENT, at + ".");
            String group = string(required(entry, "model_name", at), at + ".model_name");
            if (group.isBlank()) {
                throw new ConfigException(at + ".model_name: must not be blank");
            }
            String pAt = at + ".litellm_params";
            JsonNode params = required(entry, "litellm_params", at);
            requireObject(params, pAt);
            warnUnknown(params, PARAMS, pAt + ".");
            String model = string(required(params, "model", pAt), pAt + ".model");
            String provider = "openai";
            String upstreamModel = model;
            int slash = model.indexOf('/');
            if (slash > 0) {
                provider = model.substring(0, slash);
                upstreamModel = model.substring(slash + 1);
            }
            if (upstreamModel.isBlank()) {
                throw new ConfigException(pAt + ".model: no model name after the provider prefix");
            }
            boolean mock = false;
            URI base = null;
            JsonNode apiBase = params.path("api_base");
            if (present(apiBase)) {
                String raw = resolveEnv(string(apiBase, pAt + ".api_base"), pAt + ".api_base");
                if (EMBEDDED_MOCK.equals(raw)) {
                    mock = true;
                } else if (raw != null) {
                    base = parseBase(raw, pAt + ".api_base");
                }
            } else if ("openai".equals(provider)) {
                base = OPENAI_BASE;
            }
            if (!"openai".equals(provider) && !"openai_compatible".equals(provider) && !"mock".equals(provider)) {
                warnings.add(pAt + ".model: provider '" + provider + "' is served as OpenAI-compatible"
                        + (base == null && !mock ? "; it has no api_base, so requests to it will fail" : ""));
            }
            String apiKey = optionalSecret(params.path("api_key"), pAt + ".api_key");
            OptionalLong rpm = optionalNonNegative(params.path("rpm"), pAt + ".rpm");
            OptionalLong tpm = optionalNonNegative(params.path("tpm"), pAt + ".tpm");
            OptionalLong weight = optionalNonNegative(params.path("weight"), pAt + ".weight");
            Duration timeout = present(params.path("timeout"))
                    ? seconds(params.path("timeout"), pAt + ".timeout", false) : router.timeout();
            int maxParallel = present(params.path("max_parallel_requests"))
                    ? positiveInt(params.path("max_parallel_requests"), pAt + ".max_parallel_requests")
                    : DEFAULT_MAX_PARALLEL;

            String id = group + "-" + i;
            OptionalInt maxInput = OptionalInt.empty();
            JsonNode info = entry.path("model_info");
            if (present(info)) {
                String iAt = at + ".model_info";
                requireObject(info, iAt);
                warnUnknown(info, MODEL_INFO, iAt + ".");
                if (present(info.path("id"))) {
                    id = info.path("id").asText();
                    if (id.isBlank()) {
                        throw new ConfigException(iAt + ".id: must not be blank");
                    }
                }
                if (present(info.path("max_input_tokens"))) {
                    maxInput = OptionalInt.of(positiveInt(info.path("max_input_tokens"), iAt + ".max_input_tokens"));
                }
            }
            if (!ids.add(id)) {
                throw new ConfigException(at + ".model_info.id: duplicate deployment id '" + id + "'");
            }
            result.add(new Deployment(group, id, provider, upstreamModel, base, mock, apiKey, rpm, tpm, weight,
                    timeout, maxParallel, maxInput));
        }
        return result;
    }

    private List<VirtualKey> readKeys(JsonNode list) {
        if (!present(list)) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException("virtual_keys: expected a list");
        }
        List<VirtualKey> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "virtual_keys[" + i + "]";
            JsonNode k = list.get(i);
            requireObject(k, at);
            warnUnknown(k, KEY, at + ".");
            String key = optionalSecret(required(k, "key", at), at + ".key");
            if (key == null || key.isEmpty()) {
                throw new ConfigException(at + ".key: must not be empty");
            }
            if (!seen.add(key)) {
                throw new ConfigException(at + ".key: duplicate key");
            }
            String alias = present(k.path("key_alias")) ? string(k.path("key_alias"), at + ".key_alias") : fingerprint(key);
            OptionalLong rpm = optionalNonNegative(k.path("rpm_limit"), at + ".rpm_limit");
            OptionalLong tpm = optionalNonNegative(k.path("tpm_limit"), at + ".tpm_limit");
            OptionalInt parallel = present(k.path("max_parallel_requests"))
                    ? OptionalInt.of(positiveInt(k.path("max_parallel_requests"), at + ".max_parallel_requests"))
                    : OptionalInt.empty();
            Set<String> models = new LinkedHashSet<>();
            JsonNode m = k.path("models");
            if (present(m)) {
                if (!m.isArray()) {
                    throw new ConfigException(at + ".models: expected a list of model groups");
                }
                for (int j = 0; j < m.size(); j++) {
                    models.add(string(m.get(j), at + ".models[" + j + "]"));
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

    // ---- value helpers -------------------------------------------------------------------------

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

    private static URI parseBase(String raw, String field) {
        try {
            URI uri = new URI(raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new ConfigException(field + ": expected an http:// or https:// URL, or " + EMBEDDED_MOCK
                        + ", got '" + raw + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(field + ": not a valid URL: '" + raw + "'");
        }
    }

    private void warnUnknown(JsonNode node, Set<String> known, String prefix) {
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                warnings.add("unknown setting " + prefix + name + " is ignored");
            }
        });
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isMissingNode() && !node.isNull();
    }

    private static JsonNode required(JsonNode parent, String name, String at) {
        JsonNode node = parent.path(name);
        if (!present(node)) {
            throw new ConfigException(at + "." + name + ": required");
        }
        return node;
    }

    private static void requireObject(JsonNode node, String field) {
        if (!(node instanceof ObjectNode)) {
            throw new ConfigException(field + ": expected a mapping, got " + describe(node));
        }
    }

    private static String string(JsonNode node, String field) {
        if (node.isTextual() || node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        throw new ConfigException(field + ": expected a string, got " + describe(node));
    }

    private static long longValue(JsonNode node, String field) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new ConfigException(field + ": expected an integer, got " + describe(node));
    }

    private static long nonNegativeLong(JsonNode node, String field, long max) {
        long v = longValue(node, field);
        if (v < 0 || v > max) {
            throw new ConfigException(field + ": expected an integer from 0 to " + max + ", got " + v);
        }
        return v;
    }

    private static long positiveLong(JsonNode node, String field) {
        long v = longValue(node, field);
        if (v <= 0) {
            throw new ConfigException(field + ": expected a positive integer, got " + v);
        }
        return v;
    }

    private static int positiveInt(JsonNode node, String field) {
        long v = positiveLong(node, field);
        if (v > Integer.MAX_VALUE) {
            throw new ConfigException(field + ": expected a positive integer up to " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) v;
    }

    private static OptionalLong optionalNonNegative(JsonNode node, String field) {
        return present(node) ? OptionalLong.of(nonNegativeLong(node, field, Long.MAX_VALUE)) : OptionalLong.empty();
    }

    private static Duration seconds(JsonNode node, String field, boolean zeroAllowed) {
        double v;
        if (node.isNumber()) {
            v = node.asDouble();
        } else if (node.isTextual()) {
            try {
                v = Double.parseDouble(node.asText().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(field + ": expected a number of seconds, got " + describe(node));
            }
        } else {
            throw new ConfigException(field + ": expected a number of seconds, got " + describe(node));
        }
        if (Double.isNaN(v) || Double.isInfinite(v) || v < 0 || (!zeroAllowed && v == 0) || v > 86_400 * 365) {
            throw new ConfigException(field + ": expected a " + (zeroAllowed ? "non-negative" : "positive")
                    + " number of seconds, got " + node.asText());
        }
        return Duration.ofNanos(Math.round(v * 1e9));
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isNull()) {
            return "null";
        }
        return Objects.toString(node.isTextual() ? "'" + node.asText() + "'" : node.asText());
    }
}
