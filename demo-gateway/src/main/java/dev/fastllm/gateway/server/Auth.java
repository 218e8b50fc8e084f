package dev.fastllm.gateway.server;

import dev.fastllm.gateway.config.GatewayConfig;
import dev.fastllm.gateway.config.VirtualKey;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Finds who is calling: the master key, a virtual key, or nobody.
 *
 * <p>The presented secret is read from {@code Authorization: Bearer <key>} or {@code x-api-key}, hashed with
 * SHA-256, and its digest looked up in a hash table of the configured keys' digests: one lookup whatever the
 * number of keys (a scan of 100 000 keys per request would dominate the gateway's CPU).
 *
 * <p>Why a hash-table lookup leaks nothing useful: its timing can depend on the digest of what the caller
 * sent (which bucket, how many leading bytes of a stored digest match), never on how much of a real key the
 * caller guessed. To learn something from it, an attacker would need inputs whose SHA-256 digests share a
 * prefix with a stored key's digest, which is a preimage search; and knowing a digest prefix does not help
 * find the key. The bucket's final comparison is {@link MessageDigest#isEqual} all the same.
 */
public final class Auth {

    /** The master key: reaches every model group, no limits. */
    public static final VirtualKey MASTER = new VirtualKey("", "master", java.util.OptionalLong.empty(),
            java.util.OptionalLong.empty(), java.util.OptionalInt.empty(), Set.of());

    private final boolean enabled;
    private final byte[] masterDigest;
    private final Map<Digest, VirtualKey> keysByDigest;

    public Auth(GatewayConfig config) {
        this.enabled = config.authEnabled();
        this.masterDigest = config.masterKey() == null ? null : sha256(config.masterKey());
        Map<Digest, VirtualKey> byDigest = new HashMap<>();
        for (VirtualKey k : config.virtualKeys()) {
            byDigest.putIfAbsent(new Digest(sha256(k.key())), k);
        }
        this.keysByDigest = Map.copyOf(byDigest);
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
        if (masterDigest != null && MessageDigest.isEqual(digest, masterDigest)) {
            return MASTER;
        }
        return keysByDigest.get(new Digest(digest));
    }

    /** A SHA-256 digest as a hash key: its first 4 bytes are already uniformly distributed. */
    private static final class Digest {
        private final byte[] bytes;
        private final int hash;

        Digest(byte[] bytes) {
            this.bytes = bytes;
            this.hash = (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Digest d && MessageDigest.isEqual(bytes, d.bytes);
        }
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
