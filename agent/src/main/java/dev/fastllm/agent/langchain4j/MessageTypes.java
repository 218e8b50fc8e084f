package dev.fastllm.agent.langchain4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * One LangChain4j copy's message types, reached from the agent's isolated class loader (which cannot name
 * them): the four message classes {@code OpenAiTokenCountEstimator} counts, {@code TextContent}, and handles on
 * the public accessors it reads. One instance per class loader that defines the estimator, found through a
 * {@link ClassValue}, so copies in several class loaders are kept apart and unload freely. The handles are
 * virtual, so a message subclass answers as it does to the original.
 */
final class MessageTypes {

    private static final String MESSAGE = "dev.langchain4j.data.message.";

    private static final ClassValue<MessageTypes> BY_ESTIMATOR_CLASS = new ClassValue<>() {
        @Override
        protected MessageTypes computeValue(Class<?> estimatorClass) {
            try {
                return new MessageTypes(estimatorClass.getClassLoader());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("LangChain4j message types not reachable: " + e, e);
            }
        }
    };

    final Class<?> system;
    final Class<?> user;
    final Class<?> ai;
    final Class<?> toolResult;
    final Class<?> textContent;
    private final MethodHandle systemText;
    private final MethodHandle userContents;
    private final MethodHandle userName;
    private final MethodHandle contentText;
    private final MethodHandle aiText;
    private final MethodHandle aiHasRequests;
    private final MethodHandle aiRequests;
    private final MethodHandle requestName;
    private final MethodHandle requestArguments;
    private final MethodHandle toolResultText;

    private MessageTypes(ClassLoader loader) throws ReflectiveOperationException {
        system = Class.forName(MESSAGE + "SystemMessage", false, loader);
        user = Class.forName(MESSAGE + "UserMessage", false, loader);
        ai = Class.forName(MESSAGE + "AiMessage", false, loader);
        toolResult = Class.forName(MESSAGE + "ToolExecutionResultMessage", false, loader);
        textContent = Class.forName(MESSAGE + "TextContent", false, loader);
        Class<?> request = Class.forName("dev.langchain4j.agent.tool.ToolExecutionRequest", false, loader);
        systemText = getter(system, "text", String.class);
        userContents = getter(user, "contents", List.class);
        userName = getter(user, "name", String.class);
        contentText = getter(textContent, "text", String.class);
        aiText = getter(ai, "text", String.class);
        aiHasRequests = getter(ai, "hasToolExecutionRequests", boolean.class);
        aiRequests = getter(ai, "toolExecutionRequests", List.class);
        requestName = getter(request, "name", String.class);
        requestArguments = getter(request, "arguments", String.class);
        toolResultText = getter(toolResult, "text", String.class);
    }

    private static MethodHandle getter(Class<?> owner, String name, Class<?> type) throws ReflectiveOperationException {
        return MethodHandles.publicLookup().findVirtual(owner, name, MethodType.methodType(type))
                .asType(MethodType.methodType(type.isPrimitive() ? type : type == String.class ? String.class
                        : Object.class, Object.class));
    }

    /**
     * The message types of the LangChain4j copy that defined {@code estimatorClass}.
     *
     * @throws IllegalStateException when that copy's types are not as expected
     */
    static MessageTypes of(Class<?> estimatorClass) {
        return BY_ESTIMATOR_CLASS.get(estimatorClass);
    }

    String systemText(Object m) throws Throwable {
        return (String) systemText.invokeExact(m);
    }

    List<?> userContents(Object m) throws Throwable {
        return (List<?>) (Object) userContents.invokeExact(m);
    }

    String userName(Object m) throws Throwable {
        return (String) userName.invokeExact(m);
    }

    String contentText(Object c) throws Throwable {
        return (String) contentText.invokeExact(c);
    }

    String aiText(Object m) throws Throwable {
        return (String) aiText.invokeExact(m);
    }

    boolean aiHasRequests(Object m) throws Throwable {
        return (boolean) aiHasRequests.invokeExact(m);
    }

    List<?> aiRequests(Object m) throws Throwable {
        return (List<?>) (Object) aiRequests.invokeExact(m);
    }

    String requestName(Object r) throws Throwable {
        return (String) requestName.invokeExact(r);
    }

    String requestArguments(Object r) throws Throwable {
        return (String) requestArguments.invokeExact(r);
    }

    String toolResultText(Object m) throws Throwable {
        return (String) toolResultText.invokeExact(m);
    }
}
