/**
 * Points of JTokkit ({@code com.knuddels:jtokkit}): {@code jtokkit.tokens}, the counting, encoding and decoding
 * methods of its cl100k_base and o200k_base encodings answered by accel-core. One instrumentation class per
 * point with its nested advice, the fast path it binds to its bootstrap bridge, and what the fast path needs to
 * recognise JTokkit's instances and build JTokkit's result types from the agent's own class loader.
 */
package dev.fastllm.agent.jtokkit;
