package dev.fastllm.agent.jtokkit;

import dev.fastllm.core.tokens.EncodedText;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * One JTokkit copy's result types, reached from the agent's isolated class loader (which cannot name them):
 * builds its {@code IntArrayList} around an {@code int[]} the fast path made, without copying (its private
 * {@code array} and {@code size} fields are set), and its {@code EncodingResult}; reads both back for shadow
 * comparisons. One instance per class loader that defines JTokkit, found through a {@link ClassValue} on
 * {@code GptBytePairEncoding}, so an application's JTokkit and a plugin's are kept apart and unload freely.
 */
final class JTokkitTypes {

    static final String INT_ARRAY_LIST = "com.knuddels.jtokkit.api.IntArrayList";
    static final String ENCODING_RESULT = "com.knuddels.jtokkit.api.EncodingResult";

    private static final ClassValue<JTokkitTypes> BY_ENCODING_CLASS = new ClassValue<>() {
        @Override
        protected JTokkitTypes computeValue(Class<?> encodingClass) {
            try {
                return new JTokkitTypes(encodingClass.getClassLoader());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("JTokkit types not reachable: " + e, e);
            }
        }
    };

    final Class<?> listClass;
    private final MethodHandle newList;
    private final MethodHandle setArray;
    private final MethodHandle setSize;
    private final MethodHandle toArray;
    private final MethodHandle newResult;
    private final MethodHandle resultTokens;
    private final MethodHandle resultTruncated;
    private final MethodHandle resultLastIndex;

    private JTokkitTypes(ClassLoader loader) throws ReflectiveOperationException {
        listClass = Class.forName(INT_ARRAY_LIST, false, loader);
        Class<?> resultClass = Class.forName(ENCODING_RESULT, false, loader);
        // every handle is looked up from JTokkit's own package, so that resolving its types never meets another
        // JTokkit copy the agent's loader could see (a loader constraint)
        MethodHandles.Lookup inList = MethodHandles.privateLookupIn(listClass, MethodHandles.lookup());
        MethodHandles.Lookup lookup = inList;
        newList = lookup.findConstructor(listClass, MethodType.methodType(void.class, int.class))
                .asType(MethodType.methodType(Object.class, int.class));
        setArray = inList.findSetter(listClass, "array", int[].class)
                .asType(MethodType.methodType(void.class, Object.class, int[].class));
        setSize = inList.findSetter(listClass, "size", int.class)
                .asType(MethodType.methodType(void.class, Object.class, int.class));
        toArray = lookup.findVirtual(listClass, "toArray", MethodType.methodType(int[].class))
                .asType(MethodType.methodType(int[].class, Object.class));
        newResult = lookup.findConstructor(resultClass,
                        MethodType.methodType(void.class, listClass, boolean.class, int.class))
                .asType(MethodType.methodType(Object.class, Object.class, boolean.class, int.class));
        resultTokens = lookup.findVirtual(resultClass, "getTokens", MethodType.methodType(listClass))
                .asType(MethodType.methodType(Object.class, Object.class));
        resultTruncated = lookup.findVirtual(resultClass, "isTruncated", MethodType.methodType(boolean.class))
                .asType(MethodType.methodType(boolean.class, Object.class));
        resultLastIndex = lookup.findVirtual(resultClass, "getLastProcessedCharacterIndex",
                        MethodType.methodType(int.class))
                .asType(MethodType.methodType(int.class, Object.class));
    }

    /**
     * The types of the JTokkit copy that defined {@code encodingClass}.
     *
     * @throws IllegalStateException when that copy's types are not as expected
     */
    static JTokkitTypes of(Class<?> encodingClass) {
        return BY_ENCODING_CLASS.get(encodingClass);
    }

    /** An {@code IntArrayList} holding exactly {@code ids} (the array itself, not a copy). */
    Object list(int[] ids) throws Throwable {
        Object list = (Object) newList.invokeExact(0);
        setArray.invokeExact(list, ids);
        setSize.invokeExact(list, ids.length);
        return list;
    }

    /** An {@code EncodingResult} of {@code encoded}. */
    Object result(EncodedText encoded) throws Throwable {
        return (Object) newResult.invokeExact(list(encoded.tokens()), encoded.truncated(),
                encoded.lastProcessedCharacterIndex());
    }

    /** A copy of an {@code IntArrayList}'s ids, through its public {@code toArray}. */
    int[] ids(Object list) throws Throwable {
        return (int[]) toArray.invokeExact(list);
    }

    /** Whether an {@code EncodingResult} says what {@code encoded} says. */
    boolean sameResult(EncodedText encoded, Object result) throws Throwable {
        return java.util.Arrays.equals(encoded.tokens(), ids((Object) resultTokens.invokeExact(result)))
                && encoded.truncated() == (boolean) resultTruncated.invokeExact(result)
                && encoded.lastProcessedCharacterIndex() == (int) resultLastIndex.invokeExact(result);
    }
}
