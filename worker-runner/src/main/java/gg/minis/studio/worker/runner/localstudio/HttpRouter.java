package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.api.protocol.WireJson;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the studio: registration, the WebSocket upgrade and the multipart complete. Runs on the event loop;
 * state changes go through {@link LocalStudio}.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);

    private final LocalStudio studio;

    HttpRouter(LocalStudio studio) {
        super(false); // released by hand: a hung complete keeps its request
        this.studio = studio;
    }

    /** An HTTP answer: status plus an optional, already encoded JSON body. */
    record Reply(int status, byte[] body) {
        static Reply json(int status, Object body) {
            return new Reply(status, WireJson.encodeBytes(body));
        }

        static Reply error(int status, String message) {
            return json(status, Map.of("error", message));
        }

        static Reply error(int status, String message, String field) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("error", message);
            if (field != null) {
                body.put("field", field);
            }
            return json(status, body);
        }
    }

    /** The parts of a multipart complete. */
    record Upload(String prompt, String ext, String filename, String contentType, byte[] bytes) {}

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean release = true;
        try {
            if (!req.decoderResult().isSuccess()) {
                respond(ctx, req, Reply.error(400, "bad request"), false);
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            String prefix = LocalStudio.API_PREFIX + "/workers/";
            if (!path.startsWith(prefix)) {
                respond(ctx, req, Reply.error(404, "no route for " + path), true);
                return;
            }
            String[] seg = Arrays.stream(path.substring(prefix.length()).split("/", -1))
                    .map(QueryStringDecoder::decodeComponent)
                    .toArray(String[]::new);
            HttpMethod method = req.method();
            if (seg.length == 1 && seg[0].equals("register-request")) {
                if (method.equals(HttpMethod.POST)) {
                    respond(ctx, req,
                            studio.registrations().register(req.content().toString(StandardCharsets.UTF_8)), true);
                } else {
                    respond(ctx, req, Reply.error(405, "use POST"), true);
                }
            } else if (seg.length == 2 && seg[0].equals("register-requests") && !seg[1].isEmpty()) {
                if (method.equals(HttpMethod.GET)) {
                    respond(ctx, req, studio.registrations().poll(seg[1], bearer(req)), true);
                } else {
                    respond(ctx, req, Reply.error(405, "use GET"), true);
                }
            } else if (seg.length == 2 && seg[1].equals("connect") && !seg[0].isEmpty()) {
                if (method.equals(HttpMethod.GET)) {
                    release = false;
                    upgrade(ctx, req, seg[0]);
                } else {
                    respond(ctx, req, Reply.error(405, "use GET"), true);
                }
            } else if (seg.length == 4 && seg[1].equals("jobs") && seg[3].equals("complete")
                    && !seg[0].isEmpty() && !seg[2].isEmpty()) {
                if (method.equals(HttpMethod.POST)) {
                    release = false;
                    complete(ctx, req, seg[0], seg[2]);
                } else {
                    respond(ctx, req, Reply.error(405, "use POST"), true);
                }
            } else {
                respond(ctx, req, Reply.error(404, "no route for " + method + " " + path), true);
            }
        } finally {
            if (release) {
                req.release();
            }
        }
    }

    // ---- WebSocket upgrade -------------------------------------------------------------------------------------

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, String workerId) {
        try {
            if (studio.faults().stallsUpgrades()) {
                studio.stall(ctx.channel(), workerId);
                return;
            }
            int failStatus = studio.faults().takeUpgradeFailure();
            if (failStatus != 0) {
                studio.recordRefused(workerId, failStatus + " (failNextUpgrades)");
                respond(ctx, req, Reply.error(failStatus, "upgrade failed (injected)"), false);
                return;
            }
            if (studio.faults().refusesUpgrades()) {
                studio.recordRefused(workerId, "401 (refuseUpgrades)");
                respond(ctx, req, Reply.error(401, "upgrade refused"), false);
                return;
            }
            if (!studio.tokenMatches(workerId, bearer(req))) {
                studio.recordRefused(workerId, "401 (bad or missing token)");
                respond(ctx, req, Reply.error(401, "unknown worker or bad token"), false);
                return;
            }
            if (!"websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
                respond(ctx, req, Reply.error(400, "expected a WebSocket upgrade"), false);
                return;
            }
            String offered = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, "");
            boolean hasSubprotocol = Arrays.stream(offered.split(","))
                    .map(String::trim)
                    .anyMatch(LocalStudio.SUBPROTOCOL::equals);
            if (!hasSubprotocol) {
                studio.recordRefused(workerId, "400 (no subprotocol " + LocalStudio.SUBPROTOCOL + ")");
                respond(ctx, req, Reply.error(400, "subprotocol " + LocalStudio.SUBPROTOCOL + " required"), false);
                return;
            }
            WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(studio.options().maxFrameBytes())
                    .allowExtensions(false)
                    .build();
            String wsUrl = "ws://" + req.headers().get(HttpHeaderNames.HOST, "127.0.0.1") + req.uri();
            WebSocketServerHandshaker handshaker =
                    new WebSocketServerHandshakerFactory(wsUrl, LocalStudio.SUBPROTOCOL, config).newHandshaker(req);
            if (handshaker == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            WorkerSession session = studio.newSession(workerId, ctx.channel());
            try {
                handshaker.handshake(ctx.channel(), req).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        studio.onSessionOpen(session);
                    } else {
                        LOG.debug("handshake with {} failed: {}", workerId, f.cause().toString());
                        f.channel().close();
                    }
                });
            } catch (WebSocketHandshakeException e) {
                respond(ctx, req, Reply.error(400, e.getMessage()), false);
                return;
            }
            // The handshaker swapped the HTTP codec for the WebSocket one; frames now go to the session.
            ctx.pipeline().replace(this, "ws-aggregator", new WebSocketFrameAggregator(studio.options().maxFrameBytes()));
            ctx.pipeline().addLast("ws-session", session);
        } finally {
            req.release();
        }
    }

    // ---- multipart complete ------------------------------------------------------------------------------------

    private void complete(ChannelHandlerContext ctx, FullHttpRequest req, String workerId, String jobId) {
        Duration hang = studio.faults().takeCompleteHang();
        if (hang != null) {
            LOG.info("hanging the complete of job {} for {} (fault)", jobId, hang);
            // Whichever comes first settles it: the end of the hang (answer normally) or the client hanging up
            // (recorded at once, nothing stored). Both run on the channel's event loop.
            AtomicBoolean settled = new AtomicBoolean();
            ctx.executor().schedule(() -> {
                if (settled.compareAndSet(false, true)) {
                    if (ctx.channel().isActive()) {
                        completeNow(ctx, req, workerId, jobId);
                    } else {
                        abandoned(req, workerId, jobId);
                    }
                }
            }, hang.toNanos(), TimeUnit.NANOSECONDS);
            ctx.channel().closeFuture().addListener(f -> {
                if (settled.compareAndSet(false, true)) {
                    abandoned(req, workerId, jobId);
                }
            });
            return;
        }
        completeNow(ctx, req, workerId, jobId);
    }

    private void abandoned(FullHttpRequest req, String workerId, String jobId) {
        studio.recordAbandonedComplete(workerId, jobId);
        req.release();
    }

    private void completeNow(ChannelHandlerContext ctx, FullHttpRequest req, String workerId, String jobId) {
        try {
            Reply pre = studio.precheckComplete(workerId, bearer(req), jobId);
            if (pre != null) {
                respond(ctx, req, pre, true);
                return;
            }
            int failStatus = studio.faults().takeCompleteFailure();
            if (failStatus != 0) {
                LOG.info("failing the complete of job {} with {} (fault)", jobId, failStatus);
                respond(ctx, req, Reply.error(failStatus, "injected failure"), true);
                return;
            }
            Upload upload;
            try {
                upload = parse(req);
            } catch (BadUpload e) {
                respond(ctx, req, Reply.error(e.status, e.getMessage(), e.field), true);
                return;
            }
            Reply reply = studio.storeMultipartComplete(workerId, jobId, upload);
            respond(ctx, req, reply, true);
            // The studio offers the next job itself: no readyForMore follows a multipart complete.
            studio.dispatchNow();
        } finally {
            req.release();
        }
    }

    private static final class BadUpload extends Exception {
        final int status;
        final String field;

        BadUpload(int status, String message, String field) {
            super(message);
            this.status = status;
            this.field = field;
        }
    }

    private static Upload parse(FullHttpRequest req) throws BadUpload {
        if (!HttpPostRequestDecoder.isMultipart(req)) {
            throw new BadUpload(415, "expected multipart/form-data, got "
                    + req.headers().get(HttpHeaderNames.CONTENT_TYPE, "no content type"), null);
        }
        // The aggregator hands over a composite buffer; the decoder scans it byte by byte for the boundary, which is
        // very slow across components. One contiguous copy makes a 100 MiB upload decode in well under a second.
        FullHttpRequest flat = req.content().nioBufferCount() == 1 && !(req.content() instanceof CompositeByteBuf)
                ? req.retainedDuplicate()
                : req.replace(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(req.content())));
        try {
            return parseFlat(flat);
        } finally {
            flat.release();
        }
    }

    private static Upload parseFlat(FullHttpRequest req) throws BadUpload {
        HttpPostRequestDecoder decoder;
        try {
            decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req);
        } catch (HttpPostRequestDecoder.ErrorDataDecoderException e) {
            throw new BadUpload(400, "malformed multipart body: " + e.getMessage(), null);
        }
        try {
            String prompt = null;
            String ext = null;
            FileUpload image = null;
            for (InterfaceHttpData data : decoder.getBodyHttpDatas()) {
                switch (data) {
                    case FileUpload file when file.getName().equals("image") -> image = file;
                    case Attribute attr when attr.getName().equals("prompt") -> prompt = attr.getValue();
                    case Attribute attr when attr.getName().equals("ext") -> ext = attr.getValue();
                    default -> { } // unknown parts are ignored
                }
            }
            if (prompt == null) {
                throw new BadUpload(400, "missing text part 'prompt'", "prompt");
            }
            if (ext == null || ext.isBlank()) {
                throw new BadUpload(400, "missing text part 'ext'", "ext");
            }
            if (image == null) {
                throw new BadUpload(400, "missing file part 'image'", "image");
            }
            return new Upload(prompt, ext, image.getFilename(), image.getContentType(), image.get());
        } catch (HttpPostRequestDecoder.ErrorDataDecoderException | HttpPostRequestDecoder.NotEnoughDataDecoderException e) {
            throw new BadUpload(400, "malformed multipart body: " + e.getMessage(), null);
        } catch (IOException e) {
            throw new BadUpload(400, "unreadable multipart part: " + e.getMessage(), null);
        } finally {
            decoder.destroy();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    static String bearer(FullHttpRequest req) {
        String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = auth.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest req, Reply reply, boolean mayKeepAlive) {
        HttpResponseStatus status = HttpResponseStatus.valueOf(reply.status());
        FullHttpResponse res;
        if (reply.body() == null) {
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        } else {
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(reply.body()));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        if (reply.status() == 401) {
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        HttpUtil.setContentLength(res, res.content().readableBytes());
        boolean keepAlive = mayKeepAlive && HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(res, keepAlive);
        studio.recordHttp(req.method() + " " + new QueryStringDecoder(req.uri()).path(), reply.status());
        var future = ctx.writeAndFlush(res);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection error: {}", cause.toString());
        ctx.close();
    }
}
