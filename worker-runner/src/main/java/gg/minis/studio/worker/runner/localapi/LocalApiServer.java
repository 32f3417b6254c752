package gg.minis.studio.worker.runner.localapi;

import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.logging.LogShipper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's local API: one HTTP server on 127.0.0.1 for operators' tools (the console, a desktop UI, scripts) to
 * run jobs on this worker's engine and manage the daemon without a studio. Bearer-token auth (the token is in
 * {@link DiscoveryFile local-api.json}), loopback Host/Origin only, 1 MiB bodies.
 *
 * <p>Routes come in groups ({@link Router.Routes}): {@link DaemonRoutes} (health, jobs, daemon management) and
 * {@link JobRoutes} (image, chat, speech, OpenAI model list), {@link ModelRoutes} (catalog, residency) and
 * {@link CacheRoutes} (the model cache on disk).
 */
public final class LocalApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalApiServer.class);

    /** Overrides {@code local_api_port}. */
    public static final String PORT_ENV = "STUDIO_WORKER_LOCAL_API_PORT";
    public static final int MAX_BODY_BYTES = 1 << 20;
    private static final int MAX_REQUEST_THREADS = 16;

    /**
     * @param port              0 for an ephemeral port; a taken port falls back to an ephemeral one
     * @param discoveryFile     where {@code {url, token, pid, version}} is written
     * @param maxBodyBytes      larger bodies get 413
     * @param retryAfterSeconds the {@code Retry-After} of 503 answers
     */
    public record Options(int port, Path discoveryFile, int maxBodyBytes, int retryAfterSeconds) {
        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            Objects.requireNonNull(discoveryFile, "discoveryFile");
        }

        /** The port from {@value #PORT_ENV} (when set and valid) or {@code local_api_port}; the file beside the config. */
        public static Options of(WorkerConfig config, Path configFile, Map<String, String> env) {
            return new Options(LocalApiServer.port(config, env), DiscoveryFile.beside(configFile), MAX_BODY_BYTES, 5);
        }
    }

    /** {@value #PORT_ENV} wins over {@code local_api_port}; an invalid value is ignored with a warning. */
    static int port(WorkerConfig config, Map<String, String> env) {
        String fromEnv = env.get(PORT_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            try {
                int p = Integer.parseInt(fromEnv.strip());
                if (p >= 0 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // Fall through to the warning.
            }
            log.warn("ignoring {}=\"{}\": expected a port 0..65535; using local_api_port {}", PORT_ENV, fromEnv,
                    config.localApiPort());
        }
        return config.localApiPort();
    }

    private final EventLoopGroup group;
    private final ExecutorService requests;
    private final Channel serverChannel;
    private final URI url;
    private final String token;
    private final Path discoveryFile;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalApiServer(Daemon daemon, Options options) throws IOException {
        this.discoveryFile = options.discoveryFile();
        this.token = DiscoveryFile.tokenFor(discoveryFile);
        LogShipper.global().addSecret(token);
        Router router = new Router()
                .include(new DaemonRoutes(daemon))
                .include(new JobRoutes(daemon, options.retryAfterSeconds()))
                .include(new EngineRoutes(daemon))
                .include(new ModelRoutes(daemon, options.retryAfterSeconds()))
                .include(new CacheRoutes(daemon));
        this.requests = new ThreadPoolExecutor(0, MAX_REQUEST_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().name("local-api-", 1).daemon(true).factory());
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregator", new Aggregator(options.maxBodyBytes()))
                                    .addLast("api", new HttpHandler(router, token, requests,
                                            options.retryAfterSeconds()));
                        }
                    });
            this.serverChannel = bind(bootstrap, options.port());
            int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
            this.url = URI.create("http://127.0.0.1:" + port + "/");
            DiscoveryFile.write(discoveryFile, new DiscoveryFile.Contents(url.toString(), token,
                    ProcessHandle.current().pid(), Version.current()));
        } catch (IOException | RuntimeException e) {
            shutdownQuietly();
            throw e;
        }
        log.info("local API listening on {} (token in {})", url, discoveryFile);
    }

    /** Binds 127.0.0.1 and starts serving; writes the discovery file. */
    public static LocalApiServer start(Daemon daemon, Options options) throws IOException {
        return new LocalApiServer(Objects.requireNonNull(daemon, "daemon"), Objects.requireNonNull(options));
    }

    private static Channel bind(ServerBootstrap bootstrap, int port) throws IOException {
        try {
            return bootstrap.bind(new InetSocketAddress("127.0.0.1", port)).syncUninterruptibly().channel();
        } catch (Exception e) {
            if (port == 0 || !(e instanceof BindException || e.getCause() instanceof BindException)) {
                throw new IOException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
            }
            Channel channel = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
            log.warn("local API port {} is taken; listening on ephemeral port {} instead (see {})", port,
                    ((InetSocketAddress) channel.localAddress()).getPort(), DiscoveryFile.FILE_NAME);
            return channel;
        }
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public URI url() {
        return url;
    }

    public int port() {
        return url.getPort();
    }

    /** The bearer token clients send. A credential: never log it. */
    public String token() {
        return token;
    }

    public Path discoveryFile() {
        return discoveryFile;
    }

    /**
     * Stops listening, lets the requests in progress answer (a few seconds at most; a long local job is cancelled by
     * the daemon's shutdown first), then closes the connections. The discovery file stays (it keeps the token).
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            requests.shutdown();
            try {
                requests.awaitTermination(5, TimeUnit.SECONDS);
                // Netty closes every connection as soon as its loop starts shutting down: let queued answers out first.
                group.submit(() -> { }).await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            shutdownQuietly();
            log.info("local API on {} closed", url);
        }
    }

    private void shutdownQuietly() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        requests.shutdownNow();
    }

    /** The body limit, answered as JSON like every other error. */
    private static final class Aggregator extends HttpObjectAggregator {
        private final int maxBytes;

        Aggregator(int maxBytes) {
            super(maxBytes);
            this.maxBytes = maxBytes;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            // As Netty does: keep the connection (and discard the rest of the body) only when the client can still
            // read our answer after sending it; otherwise close once the answer is out.
            boolean keepAlive = !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized);
            HttpHandler.sendError(ctx, keepAlive, new ApiException(413, ErrorCodes.PAYLOAD_TOO_LARGE,
                    "the request body is over the limit of " + maxBytes + " bytes"));
        }
    }
}
