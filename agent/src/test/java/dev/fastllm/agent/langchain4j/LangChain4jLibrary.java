package dev.fastllm.agent.langchain4j;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One LangChain4j version loaded from its real jars (copied to {@code target/test-apps} by Maven), in a class
 * loader of its own: LangChain4j's Jackson never meets the one this module's tests have. Builds its messages and
 * estimators and calls the original estimator, reflectively, as an application would.
 */
final class LangChain4jLibrary {

    static final String MESSAGE = "dev.langchain4j.data.message.";

    final String version;
    final ClassLoader loader;

    LangChain4jLibrary(String version) throws IOException {
        this.version = version;
        Path apps = Path.of(System.getProperty("test-apps.dir"));
        List<URL> urls = new ArrayList<>();
        for (String jar : new String[] {"langchain4j-", "langchain4j-core-", "langchain4j-open-ai-",
                "langchain4j-http-client-"}) {
            urls.add(apps.resolve(jar + version + ".jar").toUri().toURL());
        }
        urls.add(apps.resolve("jtokkit-" + System.getProperty("jtokkit.version") + ".jar").toUri().toURL());
        try (var files = Files.list(apps)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("jackson-") || n.startsWith("slf4j-api-")) {
                    urls.add(p.toUri().toURL());
                }
            }
        }
        loader = new URLClassLoader("langchain4j-" + version, urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
    }

    Class<?> type(String name) throws ClassNotFoundException {
        return Class.forName(name, true, loader);
    }

    Object estimator(String model) throws Exception {
        return type(LangChain4jTokensInstrumentation.TARGET).getConstructor(String.class).newInstance(model);
    }

    /** Calls a public method by name and argument count; an exception of the method itself is rethrown. */
    static Object call(Object target, String method, Object... args) throws Exception {
        Class<?> c = target instanceof Class ? (Class<?>) target : target.getClass();
        for (Method m : c.getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length && fits(m, args)) {
                try {
                    return m.invoke(target instanceof Class ? null : target, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
                }
            }
        }
        throw new NoSuchMethodException(c.getName() + "." + method + " for " + List.of(args));
    }

    private static boolean fits(Method m, Object[] args) {
        for (int i = 0; i < args.length; i++) {
            Class<?> p = m.getParameterTypes()[i];
            if (args[i] != null && !(p.isPrimitive() || p.isInstance(args[i]))) {
                return false;
            }
        }
        return true;
    }

    Object system(String text) throws Exception {
        return call(type(MESSAGE + "SystemMessage"), "from", text);
    }

    Object user(String text) throws Exception {
        return call(type(MESSAGE + "UserMessage"), "from", text);
    }

    Object user(String name, String text) throws Exception {
        return call(type(MESSAGE + "UserMessage"), "from", name, text);
    }

    /** A user message of several text contents (and an image where {@code image} is given). */
    Object userContents(String name, List<String> texts, String image) throws Exception {
        List<Object> contents = new ArrayList<>();
        for (String t : texts) {
            contents.add(call(type(MESSAGE + "TextContent"), "from", t));
        }
        if (image != null) {
            contents.add(call(type(MESSAGE + "ImageContent"), "from", image));
        }
        return name == null ? call(type(MESSAGE + "UserMessage"), "from", contents)
                : call(type(MESSAGE + "UserMessage"), "from", name, contents);
    }

    Object ai(String text) throws Exception {
        return call(type(MESSAGE + "AiMessage"), "from", text);
    }

    Object ai(String text, List<Object> requests) throws Exception {
        return text == null ? call(type(MESSAGE + "AiMessage"), "from", requests)
                : call(type(MESSAGE + "AiMessage"), "from", text, requests);
    }

    Object request(String id, String name, String arguments) throws Exception {
        Object b = call(type("dev.langchain4j.agent.tool.ToolExecutionRequest"), "builder");
        call(b, "id", id);
        call(b, "name", name);
        call(b, "arguments", arguments);
        return call(b, "build");
    }

    Object toolResult(String id, String toolName, String text) throws Exception {
        return call(type(MESSAGE + "ToolExecutionResultMessage"), "from", id, toolName, text);
    }

    /** A message of a type the estimator does not know: an application's own {@code ChatMessage}. */
    Object foreignMessage() throws Exception {
        Class<?> chatMessage = type(MESSAGE + "ChatMessage");
        return Proxy.newProxyInstance(loader, new Class<?>[] {chatMessage},
                (proxy, m, a) -> m.getName().equals("toString") ? "an application's message"
                        : m.getName().equals("hashCode") ? 7 : m.getName().equals("equals") ? proxy == a[0] : null);
    }
}
