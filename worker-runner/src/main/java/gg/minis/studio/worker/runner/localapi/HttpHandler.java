package gg.minis.studio.worker.runner.localapi;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.protocol.WireJson;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local API's Netty handler. On the event loop: the loopback guard (403), the bearer token (401, everything but
 * {@code GET /healthz}), routing (404/405). Routes then run on the request executor, never on the event loop; a
 * full executor is 503. Any exception becomes a JSON error; nothing escapes to Netty.
 */
final class HttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpHandler.class);

    private final Router router;
    private final byte[] token;
    private final Executor executor;
    private final int retryAfterSeconds;

    HttpHandler(Router router, String token, Executor executor, int retryAfterSeconds) {
        super(true);
        this.router = router;
        this.token = token.getBytes(StandardCharsets.US_ASCII);
        this.executor = executor;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        try {
            if (!req.decoderResult().isSuccess()) {
                sendError(ctx, false, new ApiException(400, ErrorCodes.BAD_REQUEST, "malformed HTTP request"));
                return;
            }
            String refusal = LoopbackGuard.refusal(req.headers().get(HttpHeaderNames.HOST),
                    req.headers().get(HttpHeaderNames.ORIGIN));
            if (refusal != null) {
                log.warn("local API: refused {} {}: {}", req.method(), pathOf(req.uri()), refusal);
                sendError(ctx, keepAlive, new ApiException(403, ErrorCodes.FORBIDDEN_ORIGIN, refusal));
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            HttpMethod method = req.method();
            boolean health = method.equals(HttpMethod.GET) && uri.path().equals(DaemonRoutes.HEALTHZ);
            if (!health && !authorized(req.headers())) {
                sendError(ctx, keepAlive, new ApiException(401, ErrorCodes.UNAUTHORIZED,
                        "missing or wrong bearer token; the token is in " + DiscoveryFile.FILE_NAME
                                + " beside the worker's config file",
                        Map.of("WWW-Authenticate", "Bearer")));
                return;
            }
            Router.Match match = router.match(method, uri.rawPath());
            switch (match) {
                case Router.Match.NotFound nf -> sendError(ctx, keepAlive, ApiException.notFound(
                        "no route " + method + " " + uri.path()));
                case Router.Match.MethodNotAllowed na -> sendError(ctx, keepAlive, new ApiException(405,
                        ErrorCodes.METHOD_NOT_ALLOWED, uri.path() + " takes " + String.join(", ", na.allowed()),
                        Map.of("Allow", String.join(", ", na.allowed()))));
                case Router.Match.Found found -> {
                    ApiRequest request = new ApiRequest(method, uri.path(), uri.parameters(),
                            ByteBufUtil.getBytes(req.content()), found.params());
                    dispatch(ctx, keepAlive, found.handler(), request);
                }
            }
        } catch (RuntimeException e) {
            log.error("local API: {} {} failed", req.method(), pathOf(req.uri()), e);
            sendError(ctx, false, internal());
        }
    }

    private void dispatch(ChannelHandlerContext ctx, boolean keepAlive, Router.Handler handler, ApiRequest request) {
        try {
            executor.execute(() -> {
                ApiResponse response;
                try {
                    response = handler.handle(request);
                } catch (ApiException e) {
                    sendError(ctx, keepAlive, e);
                    return;
                } catch (EngineException e) {
                    sendEngineError(ctx, keepAlive, e);
                    return;
                } catch (Exception | Error e) {
                    log.error("local API: {} {} failed", request.method(), request.path(), e);
                    sendError(ctx, keepAlive, internal());
                    return;
                }
                try {
                    send(ctx, keepAlive, response);
                } catch (RuntimeException e) {
                    log.error("local API: cannot write the answer to {} {}", request.method(), request.path(), e);
                    ctx.close();
                }
            });
        } catch (RejectedExecutionException e) {
            sendError(ctx, keepAlive, ApiException.busy("too many requests in progress", retryAfterSeconds));
        }
    }

    private boolean authorized(HttpHeaders headers) {
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth == null || auth.length() < 7 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = auth.substring(7).strip().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(given, token); // constant time
    }

    // ---- writing ----

    private static ApiException internal() {
        return new ApiException(500, ErrorCodes.INTERNAL_ERROR, "internal error; the worker's log has the details");
    }

    private static ChannelFuture sendEngineError(ChannelHandlerContext ctx, boolean keepAlive, EngineException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", ErrorCodes.ENGINE_ERROR);
        body.put("message", e.getMessage() == null ? e.toString() : e.getMessage());
        body.put("retryable", e.retryable());
        // A permanent failure is the request's fault (bad input the engine refused); a transient one is ours.
        return send(ctx, keepAlive, new ApiResponse.Json(e.retryable() ? 500 : 422, body, Map.of()));
    }

    static ChannelFuture sendError(ChannelHandlerContext ctx, boolean keepAlive, ApiException e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        return send(ctx, keepAlive, new ApiResponse.Json(e.status(), body, e.headers()));
    }

    static ChannelFuture send(ChannelHandlerContext ctx, boolean keepAlive, ApiResponse response) {
        return switch (response) {
            case ApiResponse.Json json -> sendFull(ctx, keepAlive, json.status(), "application/json",
                    WireJson.encodeBytes(json.body()), json.headers());
            case ApiResponse.Bytes bytes -> sendFull(ctx, keepAlive, bytes.status(), bytes.contentType(),
                    bytes.body(), bytes.headers());
            case ApiResponse.EventStream stream -> sendStream(ctx, keepAlive, stream);
            case ApiResponse.Then then -> {
                ChannelFuture sent = send(ctx, keepAlive, then.response());
                sent.addListener(f -> then.afterSent().run());
                yield sent;
            }
        };
    }

    private static ChannelFuture sendFull(ChannelHandlerContext ctx, boolean keepAlive, int status,
            String contentType, byte[] body, Map<String, String> headers) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        commonHeaders(res, headers);
        HttpUtil.setContentLength(res, body.length);
        HttpUtil.setKeepAlive(res, keepAlive);
        ChannelFuture f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return f;
    }

    private static ChannelFuture sendStream(ChannelHandlerContext ctx, boolean keepAlive, ApiResponse.EventStream stream) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        commonHeaders(res, stream.headers());
        HttpUtil.setTransferEncodingChunked(res, true);
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.write(res);
        for (String event : stream.events()) {
            ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("data: " + event + "\n\n", StandardCharsets.UTF_8)));
        }
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("data: [DONE]\n\n", StandardCharsets.UTF_8)));
        ChannelFuture f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return f;
    }

    private static void commonHeaders(HttpResponse res, Map<String, String> headers) {
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        res.headers().set("X-Content-Type-Options", "nosniff");
        headers.forEach((k, v) -> res.headers().set(k, v));
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        String p = q < 0 ? uri : uri.substring(0, q);
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("local API connection error: {}", cause.toString());
        ctx.close();
    }
}
