/**
 * Points of the demo gateway ({@code dev.fastllm.gateway}): one instrumentation class per point, each with its
 * nested advice, and the fast path it binds to its bootstrap bridge. {@code gateway.tokens},
 * {@code gateway.rate-limiter}, {@code gateway.connection-pool}, {@code gateway.routing}.
 */
package dev.fastllm.agent.gateway;
