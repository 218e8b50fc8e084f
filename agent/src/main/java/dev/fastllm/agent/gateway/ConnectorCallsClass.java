package dev.fastllm.agent.gateway;

import dev.fastllm.agent.bootstrap.ConnectionPoolBridge;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;

/**
 * The class file of a {@link ConnectionPoolBridge.ConnectorCalls} that calls one pool class's own
 * {@code Connector} directly: {@code connect(c)} is {@code ((Connector) c).connect()}, {@code isUsable(c, x)} and
 * {@code close(c, x)} likewise, with plain interface calls the JIT inlines (a method handle held in a field is
 * not). Written with ASM, without branches (so without stack map frames); defined next to the pool class by the
 * caller's private lookup. A connector whose methods have other shapes fails here or when the class is defined,
 * and the caller falls back to method handles.
 */
final class ConnectorCallsClass {

    private ConnectorCallsClass() {
    }

    static byte[] of(String className, Class<?> connectorType) throws NoSuchMethodException {
        String owner = Type.getInternalName(connectorType);
        boolean itf = connectorType.isInterface();
        int invoke = itf ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL;
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V11, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC,
                className.replace('.', '/'), null, "java/lang/Object",
                new String[] {Type.getInternalName(ConnectionPoolBridge.ConnectorCalls.class)});

        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        Method connect = connectorType.getMethod("connect");
        MethodVisitor mv = begin(cw, "connect", "(Ljava/lang/Object;)Ljava/util/concurrent/CompletableFuture;", owner);
        mv.visitMethodInsn(invoke, owner, "connect", Type.getMethodDescriptor(connect), itf);
        mv.visitTypeInsn(Opcodes.CHECKCAST, Type.getInternalName(CompletableFuture.class));
        end(mv, Opcodes.ARETURN);

        withConnection(cw, connectorType, "isUsable", boolean.class, "Z", Opcodes.IRETURN);
        withConnection(cw, connectorType, "close", void.class, "V", Opcodes.RETURN);

        cw.visitEnd();
        return cw.toByteArray();
    }

    /** {@code name(Object connector, Object connection)}: {@code ((Connector) connector).name(connection)}. */
    private static void withConnection(ClassWriter cw, Class<?> connectorType, String name, Class<?> returns,
                                       String returnDescriptor, int returnOpcode) throws NoSuchMethodException {
        Method m = connectorType.getMethod(name, Object.class);
        if (m.getReturnType() != returns) {
            throw new NoSuchMethodException(connectorType.getName() + "." + name + " does not return " + returns);
        }
        String owner = Type.getInternalName(connectorType);
        MethodVisitor mv = begin(cw, name, "(Ljava/lang/Object;Ljava/lang/Object;)" + returnDescriptor, owner);
        mv.visitVarInsn(Opcodes.ALOAD, 2);
        boolean itf = connectorType.isInterface();
        mv.visitMethodInsn(itf ? Opcodes.INVOKEINTERFACE : Opcodes.INVOKEVIRTUAL, owner, name,
                Type.getMethodDescriptor(m), itf);
        end(mv, returnOpcode);
    }

    /** A public method of the interface that starts by casting its first argument to the connector. */
    private static MethodVisitor begin(ClassWriter cw, String name, String descriptor, String owner) {
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC, name, descriptor, null, null);
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitTypeInsn(Opcodes.CHECKCAST, owner);
        return mv;
    }

    private static void end(MethodVisitor mv, int returnOpcode) {
        mv.visitInsn(returnOpcode);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }
}
