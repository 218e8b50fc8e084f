package dev.fastllm.agent;

import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One instrumentation point of one target, as its package declares it: the point's name, component and
 * kind, the target class (matched by name), the method(s) rewritten and the shape they must have, and the
 * advice class. Subclasses are small and declarative; {@link #bind} connects the point to its bridge.
 * See docs/ARCHITECTURE.md ("How a point is added").
 */
public abstract class PointInstrumentation {

    /** {@code <target>.<component>}, e.g. {@code gateway.tokens}. */
    public abstract String pointName();

    public abstract Component component();

    public abstract Kind kind();

    /** Fully qualified name of the class rewritten. */
    public abstract String targetClass();

    /** The method(s) rewritten, with the exact shape supported (name, parameters, return type, not static). */
    public abstract ElementMatcher<? super MethodDescription> methods();

    /** For the start line: what {@link #methods()} requires, e.g. {@code int countText(String, String)}. */
    public abstract String shape();

    /** For the start line: {@code Class#method}. */
    public String appliedTo() {
        String s = shape();
        int paren = s.indexOf('(');
        String head = paren < 0 ? s : s.substring(0, paren);
        return targetClass() + "#" + head.substring(head.lastIndexOf(' ') + 1);
    }

    /** The class holding the static {@code @Advice.OnMethodEnter}/{@code OnMethodExit} methods (inlined). */
    public abstract Class<?> adviceClass();

    /**
     * Creates the fast path of this point and installs it into the point's bootstrap bridge. Called once,
     * before any class is rewritten.
     */
    public abstract void bind(Point point);
}
