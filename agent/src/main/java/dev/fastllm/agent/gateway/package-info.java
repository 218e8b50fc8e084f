/**
 * Points of the demo gateway ({@code dev.fastllm.gateway}): one instrumentation class per point, each with its
 * nested advice, and the fast path it binds to its bootstrap bridge. Today: {@code gateway.tokens}.
 */
package dev.fastllm.agent.gateway;
