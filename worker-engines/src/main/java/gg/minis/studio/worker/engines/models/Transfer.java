package gg.minis.studio.worker.engines.models;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model file from its URL into {@code <filename>.part}, resuming what is there, hashing while it streams. The
 * caller holds the file's lock; on success the {@code .part} is complete and verified, ready to be renamed.
 * On failure or cancellation the {@code .part} stays for the next try, except when its content is known to be wrong
 * (hash mismatch, more bytes than announced).
 */
final class Transfer {
    private static final Logger log = LoggerFactory.getLogger(Transfer.class);
    private static final int BUFFER = 256 * 1024;
    private static final long REPORT_NANOS = Duration.ofMillis(250).toNanos();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)");

    /** What ended up in the {@code .part}. */
    record Result(long size, String sha256) {}

    private final HttpClient http;
    private final URI uri;
    private final String where;
    private final Path part;
    private final String fileName;
    private final String expectedSha;
    private final Duration readTimeout;
    private final CancellationToken stop;
    private final ProgressListener progress;
    /** Aborts whatever blocks right now (the request, then the body read), so a cancel takes effect at once. */
    private final AtomicReference<Runnable> abort = new AtomicReference<>(() -> {});

    private long lastReportedBytes = -1;
    private long lastReportedTotal = -1;
    private long lastReportNanos;

    Transfer(HttpClient http, URI uri, String where, Path part, String fileName, String expectedSha,
            Duration readTimeout, CancellationToken stop, ProgressListener progress) {
        this.http = http;
        this.uri = uri;
        this.where = where;
        this.part = part;
        this.fileName = fileName;
        this.expectedSha = expectedSha;
        this.readTimeout = readTimeout;
        this.stop = stop;
        this.progress = progress;
        stop.onCancel(() -> abort.get().run());
    }

    Result run() throws EngineException {
        // A second pass only after a 416 proved the .part useless: then it starts from zero once.
        for (int pass = 0; ; pass++) {
            long have = partSize();
            MessageDigest digest = Sha256.newDigest();
            if (have > 0) {
                try {
                    Sha256.update(digest, part, have);
                } catch (IOException e) {
                    throw fail("cannot read " + part + ": " + e.getMessage(), true, e);
                }
            }
            HttpResponse<InputStream> response = send(have);
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                OptionalLong length = response.headers().firstValueAsLong("content-length");
                if (status == 206 && have > 0) {
                    long total = resumedTotal(response, have, length);
                    log.info("resuming {} at {} of {} bytes", where, have, total < 0 ? "?" : total);
                    return stream(body, digest, have, total);
                }
                if (status == 200 || status == 206) {
                    if (have > 0) {
                        log.info("{} ignored the range request; downloading from the start", where);
                    }
                    if (status == 206) {
                        // Unasked-for partial content: only acceptable when it starts at zero.
                        long total = resumedTotal(response, 0, length);
                        return stream(body, Sha256.newDigest(), 0, total);
                    }
                    return stream(body, Sha256.newDigest(), 0, length.orElse(-1));
                }
                if (status == 416 && have > 0) {
                    long total = unsatisfiedTotal(response);
                    // The usual cause: a previous run received every byte but died before the rename.
                    if (total == have || (total < 0 && expectedSha != null)) {
                        String actual = Sha256.hex(digest);
                        if (expectedSha == null || expectedSha.equals(actual)) {
                            report(have, have, true);
                            return new Result(have, actual);
                        }
                    }
                    deletePart();
                    if (pass == 0) {
                        log.info("{} refused to resume at byte {}; downloading from the start", where, have);
                        continue;
                    }
                }
                throw httpError(status);
            } catch (IOException e) {
                throw fail(describe(e), true, e); // only from closing the body; the transfer did not finish
            }
        }
    }

    private HttpResponse<InputStream> send(long have) throws EngineException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(readTimeout);
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        CompletableFuture<HttpResponse<InputStream>> pending =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        abort.set(() -> pending.cancel(true));
        try {
            stop.throwIfCancelled();
            return pending.get();
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new JobCancelledException("interrupted");
        } catch (CancellationException e) {
            stop.throwIfCancelled();
            throw fail("request cancelled", true, e);
        } catch (ExecutionException e) {
            stop.throwIfCancelled();
            Throwable cause = e.getCause();
            if (cause instanceof HttpConnectTimeoutException) {
                throw fail("could not connect: " + describe(cause), true, cause);
            }
            if (cause instanceof HttpTimeoutException) {
                throw fail("no response within " + human(readTimeout), true, cause);
            }
            throw fail(describe(cause), true, cause);
        } finally {
            abort.set(() -> {});
        }
    }

    /** Body to disk, appending at {@code start}; returns once every announced byte is there and verified. */
    private Result stream(InputStream body, MessageDigest digest, long start, long total) throws EngineException {
        if (total >= 0 && start > total) {
            deletePart();
            throw fail("server announced " + total + " bytes but " + start + " are already here", true, null);
        }
        checkSpace(total < 0 ? -1 : total - start);
        long done = start;
        Watchdog watchdog = new Watchdog(body);
        abort.set(watchdog::close);
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            stop.throwIfCancelled();
            out.truncate(start);
            out.position(start);
            report(done, total, true);
            byte[] buffer = new byte[BUFFER];
            while (true) {
                stop.throwIfCancelled();
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    stop.throwIfCancelled();
                    if (watchdog.fired) {
                        throw fail("no data for " + human(readTimeout) + " after " + done + of(total), true, e);
                    }
                    throw fail("connection lost after " + done + of(total) + " (" + describe(e) + ")", true, e);
                }
                if (n < 0) {
                    break;
                }
                watchdog.touch();
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    out.write(chunk);
                }
                digest.update(buffer, 0, n);
                done += n;
                if (total >= 0 && done > total) {
                    out.close();
                    deletePart();
                    throw fail("server sent more than the announced " + total + " bytes", true, null);
                }
                report(done, total, false);
            }
            stop.throwIfCancelled();
            if (total >= 0 && done < total) {
                // Content-Length is the only completeness check a file without sha256 gets.
                throw fail("connection closed after " + done + of(total), true, null);
            }
            out.force(true);
        } catch (IOException e) {
            stop.throwIfCancelled();
            throw fail("cannot write " + part + ": " + e.getMessage(), true, e);
        } finally {
            watchdog.stop();
            abort.set(() -> {});
        }
        String actual = Sha256.hex(digest);
        if (expectedSha != null && !expectedSha.equals(actual)) {
            deletePart();
            throw fail("sha256 mismatch for " + fileName + ": expected " + expectedSha + ", got " + actual, false,
                    null);
        }
        report(done, done, true);
        return new Result(done, actual);
    }

    /** The full size from {@code Content-Range: bytes start-end/total}, checking it starts where asked. */
    private long resumedTotal(HttpResponse<?> response, long have, OptionalLong length) throws EngineException {
        String range = response.headers().firstValue("content-range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches() || Long.parseLong(m.group(1)) != have) {
            throw fail("asked for bytes from " + have + ", got Content-Range '" + range + "'", true, null);
        }
        if (!m.group(3).equals("*")) {
            return Long.parseLong(m.group(3));
        }
        return length.isPresent() ? have + length.getAsLong() : -1;
    }

    private static long unsatisfiedTotal(HttpResponse<?> response) {
        Matcher m = UNSATISFIED_RANGE.matcher(response.headers().firstValue("content-range").orElse(""));
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private EngineException httpError(int status) {
        // 408 and 429 are the server asking us to come back later; other 4xx will not change on a retry.
        boolean retryable = status >= 500 || status == 408 || status == 429;
        return new EngineException("download of " + where + " failed: HTTP " + status, retryable);
    }

    private void checkSpace(long needed) throws EngineException {
        if (needed <= 0) {
            return;
        }
        long usable;
        try {
            usable = Files.getFileStore(part.getParent()).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: let the writes tell
        }
        if (usable < needed) {
            throw fail("not enough disk space in " + part.getParent() + ": " + needed + " bytes needed, " + usable
                    + " available", true, null);
        }
    }

    /** At most every 1% or 250 ms; {@code force} for the first and the last, never the same report twice. */
    private void report(long done, long total, boolean force) {
        long now = System.nanoTime();
        boolean same = done == lastReportedBytes && total == lastReportedTotal;
        boolean stepped = total > 0 && done - lastReportedBytes >= Math.max(1, total / 100);
        boolean timely = now - lastReportNanos >= REPORT_NANOS;
        if (same || !(force || stepped || timely)) {
            return;
        }
        lastReportedBytes = done;
        lastReportedTotal = total;
        lastReportNanos = now;
        try {
            progress.onProgress(new Progress("download", done, Math.max(total, 0)));
        } catch (RuntimeException e) {
            log.debug("progress listener failed", e);
        }
    }

    private long partSize() throws EngineException {
        try {
            return Files.exists(part) ? Files.size(part) : 0;
        } catch (IOException e) {
            throw fail("cannot read " + part + ": " + e.getMessage(), true, e);
        }
    }

    private void deletePart() throws EngineException {
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            throw fail("cannot delete " + part + ": " + e.getMessage(), true, e);
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String of(long total) {
        return total >= 0 ? " of " + total + " bytes" : " bytes";
    }

    private EngineException fail(String why, boolean retryable, Throwable cause) {
        return new EngineException("download of " + where + " failed: " + why, retryable, cause);
    }

    /**
     * An exception's message, with its cause's when it only says "closed" (the JDK client's body stream wraps the
     * real reason), and without the URL's query string in case a library put the URL in it.
     */
    private String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + ": " + cause.getMessage();
        }
        message = message.replace(uri.toString(), where);
        String query = uri.getRawQuery();
        return query == null || query.isEmpty() ? message : message.replace(query, "...");
    }

    /**
     * The JDK client's request timeout ends once the headers arrive; a body that stalls would block forever. This
     * closes the stream when no byte came for {@code readTimeout}, which wakes the blocked read with an IOException.
     */
    private final class Watchdog {
        private final InputStream body;
        private final Thread thread;
        private volatile long lastByteNanos = System.nanoTime();
        private volatile boolean stopped;
        volatile boolean fired;

        Watchdog(InputStream body) {
            this.body = body;
            long period = Math.max(10, readTimeout.toMillis() / 4);
            this.thread = Thread.ofVirtual().name("model-download-watchdog").start(() -> {
                while (!stopped) {
                    try {
                        Thread.sleep(period);
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!stopped && System.nanoTime() - lastByteNanos > readTimeout.toNanos()) {
                        fired = true;
                        close();
                        return;
                    }
                }
            });
        }

        void touch() {
            lastByteNanos = System.nanoTime();
        }

        void close() {
            try {
                body.close();
            } catch (IOException e) {
                log.debug("closing the response body of {} failed", where, e);
            }
        }

        void stop() {
            stopped = true;
            thread.interrupt();
        }
    }
}
