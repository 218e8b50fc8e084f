package dev.fastllm.agent;

import dev.fastllm.fallback.Component;
import dev.fastllm.fallback.Kind;
import dev.fastllm.fallback.Point;
import net.bytebuddy.description.type.TypeDescription;

import java.util.List;

/**
 * One instrumentation point of one target, as its package declares it: the point's name, component and
 * kind, the target class (matched by name), and each method rewritten ({@link Rewrite}: the shape it must have
 * and its advice). Subclasses are small and declarative; {@link #bind} connects the point to its bridge.
 * See docs/ARCHITECTURE.md ("How a point is added").
 */
public abstract class PointInstrumentation {

    private final String pointName;
    private final Component component;
    private final Kind kind;
    private final String targetClass;

    /**
     * @param pointName   {@code <target>.<component>}, e.g. {@code gateway.tokens}
     * @param targetClass fully qualified name of the class rewritten
     */
    protected PointInstrumentation(String pointName, Component component, Kind kind, String targetClass) {
        this.pointName = pointName;
        this.component = component;
        this.kind = kind;
        this.targetClass = targetClass;
    }

    public final String pointName() {
        return pointName;
    }

    public final Component component() {
        return component;
    }

    public final Kind kind() {
        return kind;
    }

    public final String targetClass() {
        return targetClass;
    }

    /**
     * Every method of the target this point rewrites, each with its advice. A stateful point lists every
     * method that reads or writes the target's state, so that the twin's state and the original's never drift.
     */
    public abstract List<Rewrite> rewrites();

    /**
     * A reason the target class cannot be rewritten although every method matched (a field the fast path
     * reads is missing, say), or null when it can. The class is then reported and left alone.
     */
    public String unsupportedShape(TypeDescription type) {
        return null;
    }

    /** For the start line: {@code Class#method}, or {@code Class#a,b,c} for several methods. */
    public String appliedTo() {
        StringBuilder sb = new StringBuilder(targetClass()).append('#');
        List<Rewrite> rewrites = rewrites();
        for (int i = 0; i < rewrites.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(rewrites.get(i).methodName());
        }
        return sb.toString();
    }

    /**
     * Creates the fast path of this point and installs it into the point's bootstrap bridge. Called once,
     * before any class is rewritten.
     */
    public abstract void bind(Point point);

    /**
     * Called after the target class has been rewritten (once per class loader that defines it), on the thread
     * that loads it: a point may start work its first call will need ({@link VocabularyPreload}). Must return
     * at once and never throw.
     */
    public void applied() {
    }
}
