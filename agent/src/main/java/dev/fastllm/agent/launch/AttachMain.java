package dev.fastllm.agent.launch;

import com.sun.tools.attach.VirtualMachine;

/**
 * {@code Main-Class} of the agent jar: {@code java -jar fast-llm-agent.jar attach <pid> [agent arguments]} loads
 * the agent into a running JVM through the JDK Attach API; classes it already loaded are retransformed.
 * Without arguments it prints its usage.
 */
public final class AttachMain {

    static final String USAGE = "usage: java -jar fast-llm-agent.jar attach <pid> [agent arguments]\n"
            + "         loads the agent into the running JVM <pid>, e.g. attach 4242 tokens=on,metrics.port=9464\n"
            + "       java -javaagent:fast-llm-agent.jar[=agent arguments] -jar app.jar\n"
            + "         starts an application with the agent (settings: see the README, \"Using the agent\")";

    private AttachMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !"attach".equals(args[0]) || args.length > 3) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 0 : 2);
            return;
        }
        String pid = args[1];
        String agentArgs = args.length == 3 ? args[2] : null;
        String jar = AgentLauncher.agentJar().getAbsolutePath();
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            vm.loadAgent(jar, agentArgs);
        } finally {
            vm.detach();
        }
        System.out.println("[fast-llm] agent loaded into JVM ".concat(pid));
    }
}
