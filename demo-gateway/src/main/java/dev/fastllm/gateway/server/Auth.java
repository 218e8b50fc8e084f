package dev.fastllm.gateway.server;

import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.VirtualKey;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Set;

/**
 * Finds who is calling: the master key, a virtual key, or nobody.
 *
 * <p>The presented secret is read from {@code Authorization: Bearer <key>} or {@code x-api-key}. It is hashed
 * with SHA-256 and the digest compared with every configured key's digest with {@link MessageDigest#isEqual}
 * (constant time), so neither the comparison nor the lookup leaks how much of a key matched.
 */
public final class Auth {

    /** The master key: reaches every model group, no limits. */
    public static final VirtualKey MASTER = new VirtualKey("", "master", java.util.OptionalLong.empty(),
            java.util.OptionalLong.empty(), java.util.OptionalInt.empty(), Set.of());

    private final boolean enabled;
    private final byte[] masterDigest;
    private final byte[][] keyDigests;
    private final VirtualKey[] keys;

    public Auth(GatewayConfig config) {
        this.enabled = config.authEnabled();
        this.masterDigest = config.masterKey() == null ? null : sha256(config.masterKey());
        this.keys = config.virtualKeys().toArray(new VirtualKey[0]);
        this.keyDigests = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            keyDigests[i] = sha256(keys[i].key());
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * The caller's key, {@link #MASTER} for the master key (or when auth is off), or null when the request
     * carries no valid key.
     */
    public VirtualKey authenticate(HttpHeaders headers) {
        if (!enabled) {
            return MASTER;
        }
        String presented = presentedKey(headers);
        if (presented == null || presented.isEmpty()) {
            return null;
        }
        byte[] digest = sha256(presented);
        VirtualKey found = null;
        boolean master = masterDigest != null && MessageDigest.isEqual(digest, masterDigest);
        for (int i = 0; i < keys.length; i++) {
            if (MessageDigest.isEqual(digest, keyDigests[i])) {
                found = keys[i];
            }
        }
        return master ? MASTER : found;
    }

    static String presentedKey(HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            String value = authorization.trim();
            if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return value.substring(7).trim();
            }
            return value;
        }
        String apiKey = headers.get("x-api-key");
        return apiKey == null ? null : apiKey.trim();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
