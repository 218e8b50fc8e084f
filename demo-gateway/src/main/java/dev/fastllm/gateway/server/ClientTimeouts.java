package dev.fastllm.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Deadlines of one client connection, so that a slow or silent client cannot hold it forever.
 *
 * <ul>
 *   <li>header: from the first byte of a request until its headers are complete; on expiry the connection
 *       is closed (there is no request to answer yet);</li>
 *   <li>body: from the end of the headers until the last byte of the body; on expiry a 408 is answered
 *       (when no earlier answer is still being written on the connection) and the connection is closed;</li>
 *   <li>idle: from the end of the last answer (or the connection's start) until the next request's first
 *       byte; on expiry the connection is closed;</li>
 *   <li>send: while the client does not take the answers written to it (the channel stays unwritable); on
 *       expiry the client is cut off and that is logged.</li>
 * </ul>
 *
 * <p>No deadline runs while a request is being answered: that is the upstream timeouts' job, and a stream
 * may rightly last minutes. The handler sits after {@code HttpServerCodec}; {@link #firstByte()} is its
 * companion before the codec that notices a request's first bytes before the codec can decode anything.
 * A partial request head that arrives in the same read as the end of the previous request is only noticed
 * with its next bytes (or by the idle deadline). Everything runs on the connection's event loop.
 */
final class ClientTimeouts extends ChannelDuplexHandler {

    private static final System.Logger LOG = System.getLogger(ClientTimeouts.class.getName());

    private enum Phase { IDLE, HEADER, BODY, ANSWERING }

    private final long headerNanos;
    private final long bodyNanos;
    private final long idleNanos;
    private final long sendNanos;
    private ScheduledFuture<?> sendTimer;
    private final Supplier<FullHttpResponse> requestTimeout;
    private ChannelHandlerContext ctx;
    /** Heads received minus final answers written. */
    private int unanswered;
    private boolean headPending;
    private boolean inBody;
    private long phaseStart;
    private Phase armed;
    private ScheduledFuture<?> timer;

    /** {@code requestTimeout} makes the 408 answer of a body that did not arrive in time. */
    ClientTimeouts(Duration header, Duration body, Duration idle, Duration send,
                   Supplier<FullHttpResponse> requestTimeout) {
        this.headerNanos = header.toNanos();
        this.bodyNanos = body.toNanos();
        this.idleNanos = idle.toNanos();
        this.sendNanos = send.toNanos();
        this.requestTimeout = requestTimeout;
    }

    /** The companion handler to place before the HTTP codec. */
    ChannelInboundHandlerAdapter firstByte() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext c, Object msg) {
                if (msg instanceof ByteBuf b && b.isReadable() && !inBody && !headPending) {
                    headPending = true;
                    phaseStart = System.nanoTime();
                    rearm();
                }
                c.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        phaseStart = System.nanoTime();
        if (ctx.channel().isActive()) {
            rearm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        phaseStart = System.nanoTime();
        rearm();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        if (sendTimer != null) {
            sendTimer.cancel(false);
            sendTimer = null;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            if (sendTimer != null) {
                sendTimer.cancel(false);
                sendTimer = null;
            }
        } else if (sendTimer == null && ctx.channel().isActive()) {
            sendTimer = ctx.executor().schedule(this::cutOff, sendNanos, TimeUnit.NANOSECONDS);
        }
        super.channelWritabilityChanged(ctx);
    }

    private void cutOff() {
        sendTimer = null;
        if (!ctx.channel().isActive() || ctx.channel().isWritable()) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "client " + ctx.channel().remoteAddress() + " took no more of its answers for "
                + Duration.ofNanos(sendNanos).toMillis() + " ms (" + ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes()
                + " bytes waiting, " + unanswered + " request(s) unanswered): connection cut off");
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            unanswered++;
            headPending = false;
            inBody = true;
            phaseStart = System.nanoTime();
        }
        if (msg instanceof LastHttpContent) {
            inBody = false;
        }
        rearm();
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        if (msg instanceof LastHttpContent && !interim) {
            ChannelPromise p = promise.unvoid();
            p.addListener(f -> {
                unanswered = Math.max(0, unanswered - 1);
                if (unanswered == 0 && !inBody && !headPending) {
                    phaseStart = System.nanoTime();
                }
                rearm();
            });
            promise = p;
        }
        super.write(ctx, msg, promise);
    }

    private Phase phase() {
        if (headPending) {
            return Phase.HEADER;
        }
        if (inBody) {
            return Phase.BODY;
        }
        return unanswered == 0 ? Phase.IDLE : Phase.ANSWERING;
    }

    private void rearm() {
        Phase phase = phase();
        if (phase == armed && timer != null && phase != Phase.IDLE) {
            return;
        }
        cancel();
        armed = phase;
        long limit = switch (phase) {
            case HEADER -> headerNanos;
            case BODY -> bodyNanos;
            case IDLE -> idleNanos;
            case ANSWERING -> -1;
        };
        if (limit < 0 || ctx == null || !ctx.channel().isActive()) {
            return;
        }
        long delay = Math.max(0, phaseStart + limit - System.nanoTime());
        timer = ctx.executor().schedule(() -> expired(phase), delay, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        armed = null;
    }

    private void expired(Phase phase) {
        timer = null;
        if (phase != phase() || !ctx.channel().isActive()) {
            rearm();
            return;
        }
        if (!ctx.channel().config().isAutoRead() && phase != Phase.IDLE) {
            // the gateway itself paused reading (the client is not taking its answers): not the client's delay
            phaseStart = System.nanoTime();
            rearm();
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "closing client connection " + ctx.channel().remoteAddress()
                + ": " + phase.name().charAt(0) + phase.name().substring(1).toLowerCase(java.util.Locale.ROOT)
                + " timeout");
        if (phase == Phase.BODY && unanswered == 1) {
            ctx.writeAndFlush(requestTimeout.get()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.close();
    }
}
