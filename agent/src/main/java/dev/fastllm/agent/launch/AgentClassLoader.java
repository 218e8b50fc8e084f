package dev.fastllm.agent.launch;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The class loader of the agent proper: {@code fallback}, {@code accel-core}, the instrumentations and every
 * relocated library. It reads them from the agent jar's {@code inst/} directory, where classes are stored as
 * {@code .classdata}, so neither the application class loader (which has the agent jar on its class path)
 * nor the bootstrap loader (which searches it for the bridges) can see them. Its parent is the platform
 * class loader: JDK modules such as {@code java.management} and {@code jdk.httpserver} are visible, and so are
 * the bootstrap-appended bridges; no application class is.
 */
public final class AgentClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    /** Where the hidden part lives inside the jar. */
    public static final String PREFIX = "inst/";
    /** The suffix of a hidden class file. */
    public static final String CLASS_SUFFIX = ".classdata";

    private final JarFile jar;
    private final String jarUrl;
    private final ProtectionDomain domain;

    public AgentClassLoader(JarFile jar, File jarFile, ClassLoader parent) throws MalformedURLException {
        super("fast-llm-agent", parent);
        this.jar = jar;
        URL location = jarFile.toURI().toURL();
        this.jarUrl = "jar:".concat(location.toString()).concat("!/");
        this.domain = new ProtectionDomain(new CodeSource(location, (Certificate[]) null), null, this, null);
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        String path = name.replace('.', '/');
        JarEntry entry = jar.getJarEntry(PREFIX.concat(path).concat(CLASS_SUFFIX));
        if (entry == null) {
            throw new ClassNotFoundException(name);
        }
        byte[] bytes;
        try (InputStream in = jar.getInputStream(entry)) {
            bytes = readAll(in);
        } catch (IOException e) {
            throw new ClassNotFoundException(name, e);
        }
        int dot = name.lastIndexOf('.');
        if (dot > 0) {
            String pkg = name.substring(0, dot);
            if (getDefinedPackage(pkg) == null) {
                try {
                    definePackage(pkg, null, null, null, null, null, null, null);
                } catch (IllegalArgumentException raced) {
                    // defined by a parallel load of a sibling class
                }
            }
        }
        return defineClass(name, bytes, 0, bytes.length, domain);
    }

    @Override
    protected URL findResource(String name) {
        String entryName = entryName(name);
        if (jar.getJarEntry(entryName) == null) {
            return null;
        }
        try {
            return URI.create(jarUrl.concat(entryName)).toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    protected Enumeration<URL> findResources(String name) {
        URL url = findResource(name);
        return url == null ? Collections.<URL>emptyEnumeration() : Collections.enumeration(Collections.singletonList(url));
    }

    @Override
    public InputStream getResourceAsStream(String name) {
        InputStream parentStream = getParent().getResourceAsStream(name);
        if (parentStream != null) {
            return parentStream;
        }
        JarEntry entry = jar.getJarEntry(entryName(name));
        if (entry == null) {
            return null;
        }
        try {
            return jar.getInputStream(entry);
        } catch (IOException e) {
            return null;
        }
    }

    /** A resource's entry under {@code inst/}; a class file is stored as {@code .classdata}. */
    static String entryName(String name) {
        String n = name.startsWith("/") ? name.substring(1) : name;
        if (n.endsWith(".class")) {
            n = n.substring(0, n.length() - ".class".length()).concat(CLASS_SUFFIX);
        }
        return PREFIX.concat(n);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
