package gg.minis.studio.worker.engines.support;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches a job's input ({@code initImageUrl}, {@code maskUrl}, {@code refImageUrl}, {@code inputUrl}) into memory:
 * {@code http(s)} through the JDK HttpClient (redirects followed), {@code file:} from the local disk.
 *
 * <p>Failures name the task field and the URL without query string, fragment or user info (signed URLs carry
 * secrets there). Network trouble, time-outs, HTTP 408/429/5xx are retryable; other HTTP statuses, a missing local
 * file, an unsupported scheme or an input over the size limit are permanent.
 */
public final class InputFetcher {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http;
    private final Duration timeout;

    /** @param timeout for the whole fetch (headers and body) */
    public InputFetcher(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    public static InputFetcher defaults() {
        return new InputFetcher(HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build(), DEFAULT_TIMEOUT);
    }

    /**
     * The bytes at {@code url}.
     *
     * @param field    the task field the URL came from, e.g. {@code task.initImageUrl}
     * @param maxBytes a larger input is refused (permanent)
     */
    public byte[] fetch(String field, String url, long maxBytes, CancellationToken cancel) throws EngineException {
        cancel.throwIfCancelled();
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw EngineException.permanent(field + " is not a valid URL: " + redact(url));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> fetchHttp(field, uri, maxBytes, cancel);
            case "file" -> readFile(field, uri, maxBytes);
            default -> throw EngineException.permanent(field + " must be an http(s) or file: URL, got "
                    + redact(url));
        };
    }

    private byte[] readFile(String field, URI uri, long maxBytes) throws EngineException {
        String shown = redact(uri.toString());
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw EngineException.permanent(field + " is not a valid file URL: " + shown);
        }
        try {
            long size = Files.size(path);
            if (size > maxBytes) {
                throw EngineException.permanent(field + ": " + shown + " is " + size + " bytes, more than the "
                        + maxBytes + " allowed");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw EngineException.permanent(field + ": " + shown + " does not exist");
        } catch (IOException e) {
            throw EngineException.permanent(field + ": cannot read " + shown + ": " + e);
        }
    }

    private byte[] fetchHttp(String field, URI uri, long maxBytes, CancellationToken cancel) throws EngineException {
        String shown = redact(uri.toString());
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<InputStream>> pending = http.sendAsync(request,
                HttpResponse.BodyHandlers.ofInputStream());
        cancel.onCancel(() -> pending.cancel(true));
        HttpResponse<InputStream> response;
        try {
            response = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobCancelledException("interrupted while fetching " + field);
        } catch (java.util.concurrent.CancellationException e) {
            throw new JobCancelledException(cancel.reason() != null ? cancel.reason() : "cancelled");
        } catch (java.util.concurrent.ExecutionException e) {
            cancel.throwIfCancelled();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw EngineException.transientFailure(field + ": cannot fetch " + shown + ": " + describe(cause), cause);
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status < 200 || status > 299) {
                boolean retryable = status == 408 || status == 429 || status >= 500;
                throw new EngineException(field + ": " + shown + " answered HTTP " + status, retryable);
            }
            long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
            if (declared > maxBytes) {
                throw EngineException.permanent(field + ": " + shown + " is " + declared + " bytes, more than the "
                        + maxBytes + " allowed");
            }
            return readBody(field, shown, body, maxBytes, cancel);
        } catch (IOException e) {
            cancel.throwIfCancelled();
            throw EngineException.transientFailure(field + ": cannot fetch " + shown + ": " + describe(e), e);
        }
    }

    private byte[] readBody(String field, String shown, InputStream body, long maxBytes, CancellationToken cancel)
            throws IOException, EngineException {
        AtomicBoolean done = new AtomicBoolean();
        AtomicBoolean timedOut = new AtomicBoolean();
        Runnable abort = () -> {
            if (!done.get()) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // closing only unblocks the reader
                }
            }
        };
        cancel.onCancel(abort);
        CompletableFuture.runAsync(() -> {
            timedOut.set(!done.get());
            abort.run();
        }, CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            for (int n; (n = body.read(buf)) >= 0; ) {
                cancel.throwIfCancelled();
                if (out.size() + (long) n > maxBytes) {
                    throw EngineException.permanent(field + ": " + shown + " is more than the " + maxBytes
                            + " bytes allowed");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            cancel.throwIfCancelled();
            if (timedOut.get()) {
                throw EngineException.transientFailure(field + ": fetching " + shown + " took longer than "
                        + timeout.toSeconds() + " s", e);
            }
            throw e;
        } finally {
            done.set(true);
        }
        return out.toByteArray();
    }

    private static String describe(Throwable t) {
        String msg = t.getMessage();
        String type = t.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? type : type + " (" + msg + ")";
    }

    /** {@code url} without user info, query string and fragment, for messages and logs. */
    public static String redact(String url) {
        if (url == null) {
            return "(none)";
        }
        try {
            URI u = new URI(url.strip());
            if (u.getScheme() != null && u.getRawSchemeSpecificPart() != null && !u.isOpaque()) {
                StringBuilder sb = new StringBuilder(u.getScheme()).append(':');
                if (u.getRawSchemeSpecificPart().startsWith("//")) {
                    sb.append("//");
                    if (u.getHost() != null) {
                        sb.append(u.getHost());
                        if (u.getPort() >= 0) {
                            sb.append(':').append(u.getPort());
                        }
                    }
                }
                if (u.getRawPath() != null) {
                    sb.append(u.getRawPath());
                }
                return sb.toString();
            }
        } catch (URISyntaxException ignored) {
            // fall through to the plain cut
        }
        String cut = url;
        for (char c : new char[] {'?', '#'}) {
            int i = cut.indexOf(c);
            if (i >= 0) {
                cut = cut.substring(0, i);
            }
        }
        int at = cut.indexOf('@');
        int scheme = cut.indexOf("://");
        if (at > 0 && scheme > 0 && at > scheme) {
            cut = cut.substring(0, scheme + 3) + cut.substring(at + 1);
        }
        return cut.length() > 200 ? cut.substring(0, 200) + "..." : cut;
    }
}
