package dev.fastllm.agent;

import io.micrometer.common.util.internal.logging.AbstractInternalLogger;
import io.micrometer.common.util.internal.logging.InternalLogger;
import io.micrometer.common.util.internal.logging.InternalLoggerFactory;

/**
 * Routes the bundled Micrometer's own log messages to standard error (warnings and errors; the rest is
 * dropped). Without it, Micrometer, finding no SLF4J in the agent's class loader, would log through
 * {@code java.util.logging} and so initialise the JDK's {@code LogManager} in {@code premain}, before an
 * application that picks its log manager in {@code main} can do so. Affects only the agent's relocated copy.
 */
final class MicrometerLogging extends InternalLoggerFactory {

    private MicrometerLogging() {
    }

    /** Installs this factory; call before any Micrometer class is used. */
    static void install() {
        InternalLoggerFactory.setDefaultFactory(new MicrometerLogging());
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new StderrLogger(name);
    }

    /** Warnings and errors, one line each on standard error; other levels are off. */
    static final class StderrLogger extends AbstractInternalLogger {
        private static final long serialVersionUID = 1L;

        StderrLogger(String name) {
            super(name);
        }

        private void emit(String level, String format, Object... args) {
            StringBuilder sb = new StringBuilder("[fast-llm] ").append(level).append(" metrics: ");
            int from = 0;
            int arg = 0;
            int at;
            while (format != null && (at = format.indexOf("{}", from)) >= 0 && arg < args.length) {
                sb.append(format, from, at).append(args[arg++]);
                from = at + 2;
            }
            sb.append(format == null ? "" : format.substring(from));
            for (; arg < args.length; arg++) {
                sb.append(' ').append(args[arg]);
            }
            try {
                System.err.println(sb);
            } catch (Throwable ignored) {
                // never let metrics logging hurt the application
            }
        }

        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(String msg) { }
        @Override public void trace(String format, Object arg) { }
        @Override public void trace(String format, Object a, Object b) { }
        @Override public void trace(String format, Object... args) { }
        @Override public void trace(String msg, Throwable t) { }
        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(String msg) { }
        @Override public void debug(String format, Object arg) { }
        @Override public void debug(String format, Object a, Object b) { }
        @Override public void debug(String format, Object... args) { }
        @Override public void debug(String msg, Throwable t) { }
        @Override public boolean isInfoEnabled() { return false; }
        @Override public void info(String msg) { }
        @Override public void info(String format, Object arg) { }
        @Override public void info(String format, Object a, Object b) { }
        @Override public void info(String format, Object... args) { }
        @Override public void info(String msg, Throwable t) { }
        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(String msg) { emit("WARNING", msg); }
        @Override public void warn(String format, Object arg) { emit("WARNING", format, arg); }
        @Override public void warn(String format, Object a, Object b) { emit("WARNING", format, a, b); }
        @Override public void warn(String format, Object... args) { emit("WARNING", format, args); }
        @Override public void warn(String msg, Throwable t) { emit("WARNING", msg, t); }
        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(String msg) { emit("ERROR", msg); }
        @Override public void error(String format, Object arg) { emit("ERROR", format, arg); }
        @Override public void error(String format, Object a, Object b) { emit("ERROR", format, a, b); }
        @Override public void error(String format, Object... args) { emit("ERROR", format, args); }
        @Override public void error(String msg, Throwable t) { emit("ERROR", msg, t); }
    }
}
