package dev.fastllm.gateway.upstream;

/** Why an upstream exchange failed, with the status the gateway answers for it. */
public final class UpstreamException extends RuntimeException {

    /** What went wrong, which decides the status code and whether a retry may help. */
    public enum Kind {
        /** No TCP connection could be opened. */
        CONNECT(502),
        /** The connection broke before the response ended. */
        CONNECTION_LOST(502),
        /** The upstream's answer cannot be relayed: malformed, headers over the limit, an unknown encoding. */
        BAD_RESPONSE(502),
        /** No response (or no next piece of a stream) within the deployment's timeout. */
        TIMEOUT(504),
        /** Every connection of the deployment is busy and its wait queue is full. */
        POOL_EXHAUSTED(503),
        /** The deployment has no usable address. */
        NO_ADDRESS(502);

        public final int status;

        Kind(int status) {
            this.status = status;
        }
    }

    private final Kind kind;

    public UpstreamException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
