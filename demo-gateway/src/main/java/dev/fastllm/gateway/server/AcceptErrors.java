package dev.fastllm.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * On the listening channel: a failure to accept a connection (typically "Too many open files" at the
 * process's descriptor limit) pauses accepting briefly and is logged at most once a minute with the number
 * of failures since the last line, instead of Netty's stack trace on every attempt. Connections already
 * open keep being served; accepting resumes on its own, and pending clients are taken from the backlog as
 * soon as descriptors free up.
 */
final class AcceptErrors extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(AcceptErrors.class.getName());

    private final long pauseMillis;
    private final long logEveryNanos;
    private long lastLogged;
    private boolean loggedOnce;
    private long suppressed;

    AcceptErrors(long pauseMillis, long logEveryNanos) {
        this.pauseMillis = pauseMillis;
        this.logEveryNanos = logEveryNanos;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        long now = System.nanoTime();
        if (!loggedOnce || now - lastLogged >= logEveryNanos) {
            LOG.log(System.Logger.Level.WARNING, "cannot accept new connections: " + cause.getMessage()
                    + (suppressed > 0 ? " (" + suppressed + " more times since the last report)" : "")
                    + "; open connections are still served, accepting is retried every " + pauseMillis + " ms");
            loggedOnce = true;
            lastLogged = now;
            suppressed = 0;
        } else {
            suppressed++;
        }
        // the accept would fail again at once: give open connections the time to finish and free descriptors
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> {
            if (ctx.channel().isOpen()) {
                ctx.channel().config().setAutoRead(true);
            }
        }, pauseMillis, TimeUnit.MILLISECONDS);
    }
}
