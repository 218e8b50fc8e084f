package dev.fastllm.core.limits;

/**
 * Which limit refused a request, in the order the limiter checks them. {@link #NONE} when admitted.
 * The constants and their order match the gateway-side enumeration they stand in for, so an adapter maps
 * them by ordinal.
 */
public enum RefusedBy {
    NONE, REQUESTS, TOKENS, PARALLEL
}
