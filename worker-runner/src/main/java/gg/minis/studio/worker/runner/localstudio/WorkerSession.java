package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.api.protocol.StudioFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upgraded WebSocket connection. It only moves frames; the protocol logic and all state live in
 * {@link LocalStudio} under its lock. Fields other than the atomics are guarded by that lock.
 */
final class WorkerSession extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerSession.class);
    /** How long to wait for the worker's close frame before dropping TCP ourselves. */
    private static final long CLOSE_GRACE_MS = 1000;

    enum State { AWAITING_HELLO, WELCOMED, CLOSED }

    final int id;
    final String workerId;
    final Channel channel;
    private final LocalStudio studio;
    private final AtomicBoolean closeSent = new AtomicBoolean();

    State state = State.AWAITING_HELLO;
    /** The job offered to this session and not yet finished (null = idle). */
    String outstandingJobId;
    /** Set by a multipart complete of this session's job; cleared by the next accept or reject. */
    boolean multipartSinceLastAnswer;

    WorkerSession(LocalStudio studio, int id, String workerId, Channel channel) {
        super(false);
        this.studio = studio;
        this.id = id;
        this.workerId = workerId;
        this.channel = channel;
    }

    boolean closeSent() {
        return closeSent.get();
    }

    // ---- outbound (any thread) ---------------------------------------------------------------------------------

    void send(StudioFrame frame) {
        String json = LocalStudio.encode(frame);
        studio.recordSent(this, LocalStudio.typeOf(frame), json);
        channel.writeAndFlush(new TextWebSocketFrame(json));
    }

    void sendRaw(String text) {
        studio.recordSent(this, LocalStudio.typeOfRaw(text), text);
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    void sendBinary(byte[] bytes) {
        studio.recordSent(this, "binary", bytes.length + " bytes");
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /** Start the closing handshake; TCP is dropped when the worker answers, or after a grace period. */
    void closeWith(int code, String reason) {
        if (!closeSent.compareAndSet(false, true)) {
            return;
        }
        studio.recordCloseSent(this, code, reason);
        String text = reason == null ? "" : reason.length() > 100 ? reason.substring(0, 100) : reason;
        channel.writeAndFlush(new CloseWebSocketFrame(code, text)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                channel.close();
            } else {
                channel.eventLoop().schedule(() -> channel.close(), CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Drop TCP without a close frame. */
    void drop() {
        closeSent.set(true);
        channel.close();
    }

    // ---- inbound (event loop) ----------------------------------------------------------------------------------

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        try {
            switch (frame) {
                case TextWebSocketFrame text -> studio.onText(this, text.text());
                case BinaryWebSocketFrame binary -> studio.onBinary(this, binary.content().readableBytes());
                case PingWebSocketFrame ping -> {
                    if (!studio.faults().isSilent()) {
                        ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                    }
                }
                case CloseWebSocketFrame close -> {
                    studio.onCloseFrame(this, close.statusCode(), close.reasonText());
                    if (closeSent.compareAndSet(false, true)) {
                        // Echo the worker's close, then end TCP: the server closes the connection first.
                        ctx.writeAndFlush(close.retain()).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.close();
                    }
                }
                default -> { } // pong, or a continuation the aggregator let through
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        studio.onSessionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warn("session {} of {}: frame too large ({})", id, workerId, cause.getMessage());
            closeWith(1009, "message too big");
        } else if (cause instanceof CorruptedWebSocketFrameException) {
            LOG.warn("session {} of {}: corrupted frame ({})", id, workerId, cause.getMessage());
            closeWith(1002, "protocol error");
        } else {
            LOG.debug("session {} of {}: {}", id, workerId, cause.toString());
            ctx.close();
        }
    }

    @Override
    public String toString() {
        return "session " + id + " of " + workerId;
    }
}
