/**
 * The agent's entry points, loaded by the application class loader from the agent jar: {@code premain},
 * {@code agentmain} and {@code java -jar fast-llm-agent.jar attach}. They append the jar to the bootstrap
 * search path (for the bridges), open the isolated class loader over the jar's {@code inst/} entries and
 * hand over to {@code dev.fastllm.agent.AgentInstaller}. JDK types only; no {@code invokedynamic}.
 */
package dev.fastllm.agent.launch;
