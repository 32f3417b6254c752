package gg.minis.studio.worker.runner.studio;

import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket session with the studio over Netty: subprotocol {@code studio-worker-v1}, bearer token on the
 * upgrade, JSON text frames only, a read-idle timeout, and one overall deadline for TCP + TLS + upgrade. Callbacks
 * run on the channel's event loop: listeners must hand real work to another thread.
 */
public final class StudioSocket {
    public static final String SUBPROTOCOL = "studio-worker-v1";
    private static final Logger log = LoggerFactory.getLogger(StudioSocket.class);

    /** Receives what the studio sends. Called on the event loop, in order. */
    public interface Listener {
        /** The upgrade succeeded; called before any frame of this connection is delivered. */
        default void onOpen(StudioSocket socket) {}

        void onFrame(StudioFrame frame);

        /** A text frame that is not a valid studio frame; {@code text} is the raw frame (capped for logs). */
        void onInvalidFrame(String text, ProtocolException problem);

        /** The studio sent a binary frame, which the protocol forbids. */
        void onBinaryFrame();

        /** The session ended: {@code code} is the studio's close code, or 1006 when the connection just dropped. */
        void onClosed(int code, String reason);
    }

    /** Timings and limits of one connection. */
    public record Options(Duration connectTimeout, Duration readIdleTimeout, int maxFrameBytes) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(15), Duration.ofSeconds(20), 1 << 20);
        }
    }

    private final Channel channel;
    private final URI uri;
    private final FrameHandler handler;

    private StudioSocket(Channel channel, URI uri, FrameHandler handler) {
        this.channel = channel;
        this.uri = uri;
        this.handler = handler;
    }

    public URI uri() {
        return uri;
    }

    /** Opens a session; the future fails with {@link StudioConnectException} (auth failure marked). */
    public static CompletableFuture<StudioSocket> connect(
            EventLoopGroup group, URI uri, String authToken, Options options, Listener listener) {
        CompletableFuture<StudioSocket> result = new CompletableFuture<>();
        boolean tls = uri.getScheme().equalsIgnoreCase("wss");
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        SslContext ssl;
        try {
            // Certificates and host names are verified against the JDK trust store: no trust-all switch.
            ssl = tls ? SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build() : null;
        } catch (SSLException e) {
            result.completeExceptionally(new StudioConnectException("cannot set up TLS: " + e.getMessage(), false, e));
            return result;
        }
        var headers = new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + authToken);
        var config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .subprotocol(SUBPROTOCOL)
                .customHeaders(headers)
                .maxFramePayloadLength(options.maxFrameBytes())
                .handleCloseFrames(false)
                // Close frames say why (1000, 4002, or the decoder's 1009/1002), never a generic "1000 Bye".
                .sendCloseFrame(null)
                .dropPongFrames(true)
                .handshakeTimeoutMillis(options.connectTimeout().toMillis())
                .build();
        var handler = new FrameHandler(uri, listener, result);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast(ssl.newHandler(ch.alloc(), uri.getHost(), port));
                        }
                        p.addLast(new HttpClientCodec());
                        p.addLast(new HttpObjectAggregator(64 * 1024));
                        p.addLast(new IdleStateHandler(options.readIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                        p.addLast(new WebSocketClientProtocolHandler(config));
                        p.addLast(handler);
                    }
                });
        ChannelFuture connect = bootstrap.connect(uri.getHost(), port);
        Channel channel = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new StudioConnectException(
                        "cannot connect to " + uri + ": " + describe(f.cause()), false, f.cause()));
            }
        });
        // A caller that gave up (cancelled the future) leaves no half-open connection behind.
        result.whenComplete((socket, error) -> {
            if (error instanceof CancellationException) {
                channel.close();
            }
        });
        // One deadline for TCP + TLS + upgrade, so a studio that accepts TCP but never upgrades cannot hang us.
        channel.eventLoop().schedule(() -> {
            if (result.completeExceptionally(new StudioConnectException("timed out after "
                    + options.connectTimeout().toSeconds() + " s connecting to " + uri + " (TCP, TLS and upgrade)",
                    false, null))) {
                channel.close();
            }
        }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return result;
    }

    /** Sends a frame; safe from any thread. The future completes when it was written to the socket. */
    public CompletableFuture<Void> send(WorkerFrame frame) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (!channel.isActive()) {
            sent.completeExceptionally(new IllegalStateException("session to " + uri + " is closed"));
            return sent;
        }
        channel.writeAndFlush(new TextWebSocketFrame(WireJson.encode(frame))).addListener(f -> {
            if (f.isSuccess()) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(f.cause());
            }
        });
        return sent;
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    /** Sends a close frame with {@code code} and closes the connection. */
    public CompletableFuture<Void> close(int code, String reason) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> closed.complete(null));
        if (channel.isActive()) {
            channel.eventLoop().execute(() -> {
                handler.closedLocally(code, reason);
                channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
            });
            // The studio echoes the close and we drop TCP then; a studio that never answers must not keep us.
            channel.eventLoop().schedule(() -> channel.close(), 2, TimeUnit.SECONDS);
        } else {
            channel.close();
        }
        return closed;
    }

    /** Drops the connection without a close frame (used when the studio went silent). */
    public void abort() {
        channel.close();
    }

    private static String describe(Throwable t) {
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final URI uri;
        private final Listener listener;
        private final CompletableFuture<StudioSocket> connected;
        private final AtomicBoolean closedReported = new AtomicBoolean();
        private int closeCode = 1006;
        private String closeReason = "connection dropped";
        private boolean closingLocally;

        FrameHandler(URI uri, Listener listener, CompletableFuture<StudioSocket> connected) {
            this.uri = uri;
            this.listener = listener;
            this.connected = connected;
        }

        /** We sent a close frame: report our code when the connection ends, whether or not the studio echoes it. */
        void closedLocally(int code, String reason) {
            if (!closingLocally) {
                closingLocally = true;
                closeCode = code;
                closeReason = reason;
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                // Built here, from the handler's own channel: the upgrade can finish before connect() has returned
                // to its caller, so nothing assigned after connect() may be relied on.
                StudioSocket socket = new StudioSocket(ctx.channel(), uri, this);
                if (connected.complete(socket)) {
                    listener.onOpen(socket);
                } else {
                    ctx.close(); // the deadline already gave up on this connection
                }
            } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                connected.completeExceptionally(new StudioConnectException(
                        "the studio at " + uri + " accepted the connection but never answered the upgrade", false, null));
            } else if (event instanceof IdleStateEvent) {
                if (connected.isDone()) {
                    closeCode = 1006;
                    closeReason = "no frame from the studio for too long (connection presumed dead)";
                }
                ctx.close();
            } else {
                super.userEventTriggered(ctx, event);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            switch (frame) {
                case TextWebSocketFrame text -> {
                    String json = text.text();
                    StudioFrame decoded;
                    try {
                        decoded = WireJson.decodeStudioFrame(json);
                    } catch (ProtocolException e) {
                        listener.onInvalidFrame(json.length() > 512 ? json.substring(0, 512) + "…" : json, e);
                        return;
                    }
                    listener.onFrame(decoded);
                }
                case BinaryWebSocketFrame ignored -> listener.onBinaryFrame();
                case CloseWebSocketFrame close -> {
                    if (closingLocally) {
                        ctx.close(); // the studio's echo of our close: done
                        return;
                    }
                    closeCode = close.statusCode() == -1 ? 1005 : close.statusCode();
                    closeReason = close.reasonText();
                    ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode() == -1 ? 1000 : close.statusCode(),
                            "")).addListener(ChannelFutureListener.CLOSE);
                }
                default -> { } // continuation frames are reassembled by Netty; pings answered by the protocol handler
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!connected.isDone()) {
                boolean unauthorized = cause instanceof WebSocketClientHandshakeException hs
                        && hs.response() != null
                        && hs.response().status().code() == HttpResponseStatus.UNAUTHORIZED.code();
                String message = unauthorized
                        ? "the studio refused the worker's token (HTTP 401) at " + uri
                        : "upgrade to " + uri + " failed: " + describe(cause);
                connected.completeExceptionally(new StudioConnectException(message, unauthorized, cause));
            } else if (cause instanceof CorruptedWebSocketFrameException corrupt) {
                // An oversized or malformed frame: Netty's decoder has already dropped the connection.
                log.warn("studio session {}: {}; connection dropped ({})", uri, describe(cause),
                        corrupt.closeStatus().code());
                closedLocally(corrupt.closeStatus().code(), describe(cause));
            } else {
                log.warn("studio session {}: {}", uri, describe(cause));
                closeReason = describe(cause);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (!connected.isDone()) {
                connected.completeExceptionally(new StudioConnectException(
                        "connection to " + uri + " closed during the upgrade", false, null));
            } else if (connected.isDone() && !connected.isCompletedExceptionally()
                    && closedReported.compareAndSet(false, true)) {
                listener.onClosed(closeCode, closeReason);
            }
            super.channelInactive(ctx);
        }
    }
}
