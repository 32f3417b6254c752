package gg.minis.studio.worker.runner.console;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.runner.localapi.DiscoveryFile;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's way to the worker: the local API at the URL in {@code local-api.json}, with its bearer token, over
 * the JDK HttpClient. The token is only ever sent to a loopback address: a file naming any other host is refused
 * before a connection is made. Every failure is a {@link ConsoleException} with a one-line message.
 */
public final class LocalApiClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalApiClient.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private final Path configFile;
    private final Path discoveryFile;
    private final URI base;
    private final String token;
    private final HttpClient http;

    private LocalApiClient(Path configFile, Path discoveryFile, URI base, String token) {
        this.configFile = configFile;
        this.discoveryFile = discoveryFile;
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /**
     * The worker of {@code configFile}, found through {@code local-api.json} beside it, checked by one authenticated
     * request ({@code GET /daemon/status}).
     *
     * @throws ConsoleException when no worker runs (no file, nothing listening), the file names a non-loopback URL,
     *                          or the worker refuses the token
     */
    public static LocalApiClient connect(Path configFile) throws ConsoleException {
        Path file = DiscoveryFile.beside(configFile);
        DiscoveryFile.Contents contents;
        try {
            contents = DiscoveryFile.read(file);
        } catch (NoSuchFileException e) {
            throw new ConsoleException(noWorker(configFile, "no " + DiscoveryFile.FILE_NAME));
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read {}", file, e);
            throw new ConsoleException("cannot read " + file + ": " + oneLine(e));
        }
        return connect(configFile, file, contents.url(), contents.token());
    }

    /** The same checks against a known URL and token (the in-process API of {@code run --console}). */
    public static LocalApiClient connect(Path configFile, Path discoveryFile, String url, String token)
            throws ConsoleException {
        URI base = loopbackUrl(discoveryFile, url);
        if (token == null || token.isBlank()) {
            throw new ConsoleException(discoveryFile + " has no token; restart the worker to write it again");
        }
        LocalApiClient client = new LocalApiClient(configFile.toAbsolutePath(), discoveryFile, base, token);
        try {
            client.get("/daemon/status");
        } catch (NotAnswering e) {
            client.close();
            throw new ConsoleException(noWorker(configFile, "nothing answers at " + base + ", the URL in "
                    + DiscoveryFile.FILE_NAME), e);
        } catch (ConsoleException e) {
            client.close();
            throw e;
        }
        return client;
    }

    private static String noWorker(Path configFile, String why) {
        return "no worker is running for " + configFile.toAbsolutePath() + " (" + why + "); start one with 'runner run'";
    }

    /** {@code url} when it is http(s) on 127.0.0.0/8, [::1] or localhost; otherwise refused, naming the file. */
    static URI loopbackUrl(Path discoveryFile, String url) throws ConsoleException {
        if (url == null || url.isBlank()) {
            throw new ConsoleException(discoveryFile + " has no url; restart the worker to write it again");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new ConsoleException(discoveryFile + ": url \"" + url + "\" is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getRawUserInfo() != null
                || !isLoopbackHost(uri.getHost())) {
            throw new ConsoleException("refusing to connect: " + discoveryFile + " names " + url
                    + ", which is not a loopback http URL (127.0.0.1, [::1] or localhost); the console sends the"
                    + " worker's token nowhere else");
        }
        return uri.getRawPath() == null || uri.getRawPath().isEmpty() ? uri.resolve("/") : uri;
    }

    private static boolean isLoopbackHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.ofLiteral(h).isLoopbackAddress(); // a literal only: no name lookup
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public URI url() {
        return base;
    }

    public Path configFile() {
        return configFile;
    }

    public JsonNode get(String pathAndQuery) throws ConsoleException {
        return send(request(pathAndQuery).GET().build());
    }

    public JsonNode post(String path) throws ConsoleException {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public JsonNode post(String path, Object body) throws ConsoleException {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(encode(body))).build());
    }

    private static String encode(Object body) throws ConsoleException {
        try {
            return WireJson.mapper().writeValueAsString(body);
        } catch (IOException e) {
            throw new ConsoleException("cannot encode the request: " + oneLine(e), e);
        }
    }

    public JsonNode put(String path, Object body) throws ConsoleException {
        String json;
        try {
            json = WireJson.mapper().writeValueAsString(body);
        } catch (IOException e) {
            throw new ConsoleException("cannot encode the request: " + oneLine(e), e);
        }
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(base.resolve(pathAndQuery.startsWith("/") ? pathAndQuery.substring(1)
                        : pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token);
    }

    private JsonNode send(HttpRequest request) throws ConsoleException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            log.debug("{} {}", request.method(), request.uri(), e);
            throw new NotAnswering("the worker at " + base + " is not answering (" + oneLine(e)
                    + "); it may have stopped", e);
        } catch (HttpTimeoutException e) {
            throw new ConsoleException("the worker at " + base + " did not answer within "
                    + REQUEST_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            log.debug("{} {}", request.method(), request.uri(), e);
            throw new NotAnswering("cannot reach the worker at " + base + ": " + oneLine(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConsoleException("interrupted", e);
        }
        JsonNode body = parse(response.body());
        int status = response.statusCode();
        if (status == 401) {
            throw new ConsoleException("refused: the worker at " + base + " does not accept the token in "
                    + discoveryFile + " (401); the file may be another worker's, or stale: restart the worker");
        }
        if (status >= 400) {
            String message = body == null ? null : body.path("message").asText(null);
            throw new ConsoleException(message != null ? message
                    : request.method() + " " + request.uri().getPath() + " answered " + status);
        }
        return body;
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        try {
            return WireJson.mapper().readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replaceAll("[\\r\\n]+", " ").strip();
    }

    @Override
    public void close() {
        http.close();
    }

    /** Nothing listens, or the connection broke: the worker is not (or no longer) there. */
    static final class NotAnswering extends ConsoleException {
        NotAnswering(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
