package dev.fastllm.agent;

import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One method of a point's target and the advice inlined into it: the matcher selects exactly one method with
 * a body (else the class is reported as of an unsupported shape and left alone), {@code shape} says what the
 * matcher requires for the start line, e.g. {@code void release(String)}.
 *
 * @param methods     the method rewritten, with its exact shape (name, parameters, return type, not static)
 * @param shape       the method's shape as the start line prints it
 * @param adviceClass the class holding the static {@code @Advice.OnMethodEnter}/{@code OnMethodExit} methods
 */
public record Rewrite(ElementMatcher<? super MethodDescription> methods, String shape, Class<?> adviceClass) {

    /** The method's name, from its shape. */
    public String methodName() {
        int paren = shape.indexOf('(');
        String head = paren < 0 ? shape : shape.substring(0, paren);
        return head.substring(head.lastIndexOf(' ') + 1);
    }
}
