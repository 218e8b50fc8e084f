package dev.fastllm.agent.launch;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.util.jar.JarFile;

/**
 * {@code Premain-Class} and {@code Agent-Class} of {@code fast-llm-agent.jar}. Appends the jar to the bootstrap
 * class loader's search path (so that rewritten methods in any class loader find the bridges of
 * {@code dev.fastllm.agent.bootstrap}), creates the {@link AgentClassLoader} over the jar's hidden
 * {@code inst/} part, and calls {@code AgentInstaller.install} there. Anything that fails is one line on
 * standard error; the application always starts.
 */
public final class AgentLauncher {

    static final String INSTALLER = "dev.fastllm.agent.AgentInstaller";
    static final String GUARD = "dev.fastllm.agent.bootstrap.AgentGuard";

    private AgentLauncher() {
    }

    /** {@code java -javaagent:fast-llm-agent.jar[=args] ...}. */
    public static void premain(String agentArgs, Instrumentation inst) {
        start(agentArgs, inst, false);
    }

    /** Attach to a running JVM ({@code java -jar fast-llm-agent.jar attach <pid>}). */
    public static void agentmain(String agentArgs, Instrumentation inst) {
        start(agentArgs, inst, true);
    }

    private static void start(String agentArgs, Instrumentation inst, boolean attached) {
        try {
            File jarFile = agentJar();
            JarFile jar = new JarFile(jarFile, false);
            if (!onBootPath()) {
                inst.appendToBootstrapClassLoaderSearch(jar);
            }
            Method claim = Class.forName(GUARD, true, null).getMethod("claim");
            if (!((Boolean) claim.invoke(null))) {
                System.err.println("[fast-llm] the agent is already running in this JVM; nothing more to do");
                return;
            }
            AgentClassLoader isolated = new AgentClassLoader(jar, jarFile, ClassLoader.getPlatformClassLoader());
            Class<?> installer = Class.forName(INSTALLER, true, isolated);
            installer.getMethod("install", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, agentArgs, inst, attached);
        } catch (InvocationTargetException e) {
            failed(e.getCause());
        } catch (Throwable t) {
            failed(t);
        }
    }

    private static boolean onBootPath() {
        try {
            Class.forName(GUARD, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static File agentJar() throws URISyntaxException {
        return new File(AgentLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void failed(Throwable t) {
        try {
            System.err.println("[fast-llm] WARNING the agent did not start; the application runs unchanged: ".concat(
                    String.valueOf(t)));
        } catch (Throwable ignored) {
            // never let the agent hurt the application
        }
    }
}
