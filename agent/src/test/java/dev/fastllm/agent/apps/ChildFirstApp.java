package dev.fastllm.agent.apps;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * A test application that loads the demo gateway's jar in its own child-first class loader (as a web
 * container or a plugin host does), counts a few texts with that copy of {@code PromptTokenCounter}, prints
 * the counts and, when given a metrics port, the agent's fast-call count.
 * Usage: {@code ChildFirstApp <gateway.jar> [metricsPort]}.
 */
public final class ChildFirstApp {

    /** Loads its own classes first, then asks the parent. */
    static final class ChildFirstLoader extends URLClassLoader {
        ChildFirstLoader(URL[] urls, ClassLoader parent) {
            super("child-first", urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null && !name.startsWith("java.")) {
                    try {
                        c = findClass(name);
                    } catch (ClassNotFoundException notHere) {
                        c = null;
                    }
                }
                if (c == null) {
                    c = super.loadClass(name, false);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        URL jar = new File(args[0]).toURI().toURL();
        try (ChildFirstLoader loader = new ChildFirstLoader(new URL[] {jar}, ChildFirstApp.class.getClassLoader())) {
            Class<?> counter = Class.forName("dev.fastllm.gateway.tokens.PromptTokenCounter", true, loader);
            System.out.println("defined by " + counter.getClassLoader().getName());
            Object instance = counter.getConstructor().newInstance();
            Method countText = counter.getMethod("countText", String.class, String.class);
            String[] texts = {"Hello, world!", "日本語 🤖", "<|endoftext|>", "x".repeat(3000), "", null};
            for (String encoding : new String[] {"o200k_base", "cl100k_base", "p50k_base"}) {
                for (String t : texts) {
                    System.out.println(encoding + " " + (t == null ? "null" : t.length()) + " " + countText.invoke(instance, encoding, t));
                }
            }
        }
        if (args.length > 1) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + args[1] + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("fastllm_calls_total{") && line.contains("gateway.tokens")) {
                    System.err.println("metrics " + line);
                }
            }
        }
    }
}
