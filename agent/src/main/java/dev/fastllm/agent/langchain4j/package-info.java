/**
 * Target LangChain4j: point {@code langchain4j.tokens}, {@code OpenAiTokenCountEstimator}'s counts answered with
 * its own arithmetic over accel-core, each text's count remembered (see docs/ARCHITECTURE.md, "LangChain4j").
 */
package dev.fastllm.agent.langchain4j;
