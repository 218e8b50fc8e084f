/**
 * The agent's bootstrap part: bridges that inlined advice calls, appended to the bootstrap class loader's
 * search path so that a rewritten method finds them from whatever class loader defined it. Static methods
 * over JDK types only, no dependencies, and no {@code invokedynamic} (no lambdas, no string concatenation
 * with {@code +}): a bridge may first run inside a class being initialised by any application thread, and
 * nothing here may need bootstrapping then. Each bridge calls into the agent's isolated part through a
 * handle installed by the agent at start; without a handle it declines and the original runs.
 */
package dev.fastllm.agent.bootstrap;
