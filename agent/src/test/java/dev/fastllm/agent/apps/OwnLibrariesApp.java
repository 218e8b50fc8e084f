package dev.fastllm.agent.apps;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;

import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.LogManager;

/**
 * A test application with its own Caffeine and JTokkit (other versions than the agent bundles) and its own
 * {@code java.util.logging} manager chosen in {@code main}. It prints what it sees: where its libraries come
 * from, their answers, whether any agent class is visible to it, and which log manager it got. The output
 * must be the same with and without the agent.
 */
public final class OwnLibrariesApp {

    /** The application's own log manager, chosen in main as application servers do. */
    public static final class AppLogManager extends LogManager {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.manager", AppLogManager.class.getName());
        System.out.println("log manager " + LogManager.getLogManager().getClass().getName());

        Cache<String, Integer> cache = Caffeine.newBuilder().maximumSize(10).build();
        cache.put("a", 1);
        System.out.println("caffeine from " + jarName(Caffeine.class) + " get=" + cache.getIfPresent("a"));

        int tokens = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE)
                .countTokens("Hello from the application's own JTokkit");
        System.out.println("jtokkit from " + jarName(Encodings.class) + " tokens=" + tokens);

        List<URL> rankFiles = Collections.list(ClassLoader.getSystemClassLoader()
                .getResources("com/knuddels/jtokkit/cl100k_base.tiktoken"));
        List<String> names = new ArrayList<>();
        for (URL u : rankFiles) {
            names.add(u.getPath().replaceAll(".*/([^/]+\\.jar)!.*", "$1"));
        }
        System.out.println("rank files visible " + names);

        for (String name : new String[] {"dev.fastllm.fallback.Point", "dev.fastllm.core.tokens.TokenCounter",
                "dev.fastllm.agent.AgentInstaller", "dev.fastllm.shaded.com.github.benmanes.caffeine.cache.Caffeine",
                "dev.fastllm.shaded.net.bytebuddy.ByteBuddy", "dev.fastllm.shaded.io.micrometer.core.instrument.Timer"}) {
            System.out.println(name + " visible=" + visible(name));
        }
    }

    private static String jarName(Class<?> c) {
        String path = c.getProtectionDomain().getCodeSource().getLocation().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static boolean visible(String name) {
        try {
            Class.forName(name, false, OwnLibrariesApp.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
