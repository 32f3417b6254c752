package gg.minis.studio.worker.runner.update;

import gg.minis.studio.worker.runner.Version;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Locale;

/** The few GETs updates need: bounded in size and time, errors as one line naming the URL and status. */
final class UpdateHttp {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private UpdateHttp() {}

    static HttpClient client() {
        // NORMAL: GitHub's download URLs redirect to a CDN; NORMAL never follows https -> http.
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    static URI requireHttp(String url, String what) throws UpdateException {
        try {
            URI uri = URI.create(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw new UpdateException(what + " is not an http(s) URL: " + url);
    }

    /** The whole body, at most {@code maxBytes}. */
    static byte[] get(HttpClient http, URI uri, long maxBytes) throws UpdateException {
        try (InputStream in = open(http, uri)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (body.length > maxBytes) {
                throw new UpdateException(uri + " sent more than " + maxBytes + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw new UpdateException("cannot read " + uri + ": " + e, e);
        }
    }

    /** Streams the body into {@code target} (created or replaced), feeding {@code digest} on the way. */
    static void download(HttpClient http, URI uri, Path target, MessageDigest digest, long maxBytes)
            throws UpdateException {
        try (InputStream in = open(http, uri); OutputStream out = Files.newOutputStream(target)) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw new UpdateException(uri + " sent more than " + maxBytes + " bytes");
                }
                digest.update(buf, 0, n);
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UpdateException("cannot download " + uri + ": " + e, e);
        }
    }

    private static InputStream open(HttpClient http, URI uri) throws UpdateException, IOException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("User-Agent", Version.userAgent())
                .header("Accept", "application/vnd.github+json, application/json, application/octet-stream;q=0.9")
                .GET()
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpdateException("interrupted while fetching " + uri, e);
        } catch (IOException e) {
            throw new UpdateException("cannot reach " + uri + ": " + e, e);
        }
        if (response.statusCode() / 100 != 2) {
            response.body().close();
            throw new UpdateException(uri + " answered HTTP " + response.statusCode());
        }
        return response.body();
    }
}
