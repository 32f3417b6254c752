package gg.minis.studio.worker.engines.models;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model files on local disk, downloaded on first use (protocol section 5). A file lives at
 * {@code <root>/<kind wire name>/<filename>}; next to it the cache keeps {@code <filename>.part} (a download in
 * progress, resumed with a Range request), {@code <filename>.lock} (one writer across processes) and
 * {@code <filename>.verified} (size, mtime and SHA-256 at the last check, so a cached file is reused without a request
 * and without re-reading gigabytes).
 *
 * <p>Concurrent {@link #resolve} calls for the same file share one download; each caller may cancel its own wait,
 * and the download stops (keeping its {@code .part}) only when every caller has gone. Thread-safe.
 */
public final class ModelCache implements ModelFiles {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
    static final String PART_SUFFIX = ".part";
    static final String LOCK_SUFFIX = ".lock";
    static final String MARKER_SUFFIX = ".verified";

    private static final Logger log = LoggerFactory.getLogger(ModelCache.class);
    private static final long LOCK_POLL_MILLIS = 250;
    /** How long the last caller to cancel waits for the download to let go of its files. */
    private static final long STOP_WAIT_SECONDS = 10;

    private final Path root;
    private final HttpClient http;
    private final Duration readTimeout;
    private final ConcurrentHashMap<Path, Download> inFlight = new ConcurrentHashMap<>();

    /** {@code http} should follow redirects (model hosts redirect to CDNs): see {@link #defaultHttpClient()}. */
    public ModelCache(Path root, HttpClient http) {
        this(root, http, DEFAULT_READ_TIMEOUT);
    }

    /**
     * @param readTimeout the longest wait for response headers, and for each chunk of the body once it flows
     */
    public ModelCache(Path root, HttpClient http, Duration readTimeout) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.http = Objects.requireNonNull(http, "http");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        if (readTimeout.isNegative() || readTimeout.isZero()) {
            throw new IllegalArgumentException("readTimeout must be positive: " + readTimeout);
        }
    }

    /** Follows redirects (never https to http), connects within 30 s. */
    public static HttpClient defaultHttpClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
    }

    public Path root() {
        return root;
    }

    /** The folder of one task kind's models. */
    public Path folder(TaskKind kind) {
        return root.resolve(kind.wireName());
    }

    /**
     * The file's path when it is cached and verified (size and, when given, sha256), else empty. Makes no request;
     * may hash the file once when its marker is missing or stale.
     *
     * @throws EngineException (permanent) when the filename or sha256 is unusable
     */
    public Optional<Path> cached(TaskKind kind, ModelFile file) throws EngineException {
        Path target = target(kind, file);
        return verified(target, ModelFileNames.sha256(file.sha256())) ? Optional.of(target) : Optional.empty();
    }

    /**
     * Every file of {@code source}, downloaded where needed, in the order of {@code source.files()}. All names are
     * checked before the first download, so a bad entry costs no traffic. Progress is reported per file.
     */
    public List<Path> resolveAll(TaskKind kind, ModelSource source, ProgressListener progress,
            CancellationToken cancel) throws EngineException {
        for (ModelFile file : source.files()) {
            target(kind, file);
            ModelFileNames.sha256(file.sha256());
            ModelFileNames.httpUri(file.url());
        }
        List<Path> paths = new ArrayList<>(source.files().size());
        for (ModelFile file : source.files()) {
            paths.add(resolve(kind, file, progress, cancel));
        }
        return List.copyOf(paths);
    }

    /**
     * The verified local copy of {@code file}, downloading it first when needed; reports
     * {@code Progress("download", bytes, total)} while downloading.
     *
     * @throws JobCancelledException when {@code cancel} fires first; a partial download is kept for the next try
     * @throws EngineException naming the field, URL (without query string) or file: permanent for bad input, a 4xx
     *     or a hash mismatch; retryable for 5xx, timeouts and I/O errors
     */
    public Path resolve(TaskKind kind, ModelFile file, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(cancel, "cancel");
        Path target = target(kind, file);
        String sha = ModelFileNames.sha256(file.sha256());
        URI uri = ModelFileNames.httpUri(file.url());
        cancel.throwIfCancelled();
        if (verified(target, sha)) {
            log.debug("model file {} is cached", target);
            return target;
        }
        while (true) {
            Download fresh = new Download(target, file.filename(), uri, ModelFileNames.redact(file.url()), sha);
            Download download = inFlight.putIfAbsent(target, fresh);
            if (download == null) {
                download = fresh;
                download.join(progress);
                download.start();
            } else if (!download.join(progress)) {
                // It is winding down after its callers left; start over once it has let go of the files.
                download.result.exceptionally(e -> null).join();
                continue;
            } else if (!Objects.equals(download.sha, sha)) {
                log.info("{} is being downloaded with another expected sha256; waiting for it", target);
            }
            boolean abandoned = true;
            try {
                Path path = await(download, cancel);
                abandoned = false;
                if (Objects.equals(download.sha, sha) || verified(target, sha)) {
                    return path;
                }
            } catch (JobCancelledException e) {
                if (cancel.isCancelled() || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                abandoned = false; // the other callers gave up on it, this one did not: try again
            } catch (EngineException e) {
                abandoned = false;
                throw e;
            } finally {
                download.leave(progress, abandoned);
            }
        }
    }

    /** Waits for the shared download, or for this caller's own cancellation, whichever comes first. */
    private static Path await(Download download, CancellationToken cancel) throws EngineException {
        CompletableFuture<Void> cancelled = new CompletableFuture<>();
        cancel.onCancel(() -> cancelled.complete(null));
        try {
            CompletableFuture.anyOf(download.result, cancelled).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobCancelledException("interrupted");
        } catch (ExecutionException e) {
            // the download failed: reported below
        }
        if (!download.result.isDone()) {
            throw new JobCancelledException(cancel.reason());
        }
        try {
            return download.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof EngineException engine) {
                throw engine;
            }
            throw new EngineException("download of " + download.where + " failed: " + e.getCause(), true,
                    e.getCause());
        }
    }

    /** The only place a filename becomes a path: checked as a plain name, then checked again as a path. */
    private Path target(TaskKind kind, ModelFile file) throws EngineException {
        Objects.requireNonNull(kind, "kind");
        String name = ModelFileNames.plainFileName(file.filename());
        Path folder = folder(kind);
        Path target;
        try {
            target = folder.resolve(name).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw EngineException.permanent("modelSource.files[].filename '" + name + "' is not a plain file name");
        }
        if (!folder.equals(target.getParent())) {
            throw EngineException.permanent("modelSource.files[].filename '" + name + "' is not a plain file name");
        }
        return target;
    }

    /**
     * Whether {@code target} holds the right bytes. The marker is trusted while size and mtime match; otherwise the
     * file is hashed and compared with the expected hash, or with the marker's when none is expected. A file with
     * neither (placed by hand) is accepted and gets a marker.
     */
    boolean verified(Path target, String expectedSha) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, BasicFileAttributes.class);
        } catch (IOException e) {
            return false;
        }
        if (!attributes.isRegularFile()) {
            return false;
        }
        Path markerPath = sibling(target, MARKER_SUFFIX);
        VerifiedMarker marker = VerifiedMarker.read(markerPath);
        if (marker != null && marker.describes(attributes)) {
            return expectedSha == null || expectedSha.equals(marker.sha256());
        }
        if (marker != null && expectedSha == null && marker.size() != attributes.size()) {
            log.info("{} changed size since it was verified; it will be downloaded again", target);
            return false;
        }
        String reference = expectedSha != null ? expectedSha : marker == null ? null : marker.sha256();
        try {
            log.info("verifying {} ({} bytes)", target, attributes.size());
            String actual = Sha256.of(target);
            if (reference != null && !reference.equals(actual)) {
                log.info("{} has sha256 {}, expected {}; it will be downloaded again", target, actual, reference);
                return false;
            }
            VerifiedMarker.of(attributes, actual).write(markerPath);
            return true;
        } catch (IOException e) {
            log.warn("cannot verify {}: {}", target, e.toString());
            return false;
        }
    }

    /** On the download's own thread, so that callers can stop waiting without stopping each other. */
    private Path fetch(Download download) throws EngineException {
        Path target = download.target;
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new EngineException("cannot create " + target.getParent() + ": " + e.getMessage(), true, e);
        }
        try (FileChannel lock = lock(download)) {
            // Another process may have finished it while this one waited for the lock.
            if (verified(target, download.sha)) {
                return target;
            }
            log.info("downloading {} to {}", download.where, target);
            long started = System.nanoTime();
            Path part = sibling(target, PART_SUFFIX);
            Transfer.Result result = new Transfer(http, download.uri, download.where, part, download.fileName,
                    download.sha, readTimeout, download.stop, download::report).run();
            install(part, target, result);
            log.info("downloaded {} ({} bytes in {} ms)", target, result.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return target;
        } catch (IOException e) {
            throw new EngineException("cannot use " + target + ": " + e.getMessage(), true, e);
        }
    }

    /** Marker first, then the rename: whoever sees the new file also finds the marker that vouches for it. */
    private static void install(Path part, Path target, Transfer.Result result) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(part, BasicFileAttributes.class);
        VerifiedMarker.of(attributes, result.sha256()).write(sibling(target, MARKER_SUFFIX));
        moveIntoPlace(part, target);
    }

    static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The {@code <filename>.lock} channel, locked: one writer of the {@code .part} across processes. The file stays
     * (deleting a lock file races with a process that has just opened it). Waits while another process holds it.
     */
    private FileChannel lock(Download download) throws IOException, EngineException {
        Path path = sibling(download.target, LOCK_SUFFIX);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        boolean logged = false;
        try {
            while (true) {
                FileLock held;
                try {
                    held = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    held = null; // another ModelCache in this JVM has it
                }
                if (held != null) {
                    return channel;
                }
                if (!logged) {
                    log.info("{} is being downloaded by another process; waiting", download.target);
                    logged = true;
                }
                download.stop.throwIfCancelled();
                try {
                    Thread.sleep(LOCK_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new JobCancelledException("interrupted");
                }
                download.stop.throwIfCancelled();
            }
        } catch (IOException | EngineException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    /** One download in flight and the callers waiting for it. */
    private final class Download {
        final Path target;
        final String fileName;
        final URI uri;
        final String where;
        final String sha;
        final CompletableFuture<Path> result = new CompletableFuture<>();
        /** Fired when the last caller has cancelled: nobody wants the file any more. */
        final CancellationToken stop = new CancellationToken();
        private final List<ProgressListener> listeners = new CopyOnWriteArrayList<>();
        private int callers;
        private volatile Progress last;

        Download(Path target, String fileName, URI uri, String where, String sha) {
            this.target = target;
            this.fileName = fileName;
            this.uri = uri;
            this.where = where;
            this.sha = sha;
        }

        void start() {
            Thread.ofVirtual().name("model-download-" + fileName).start(this::run);
        }

        private void run() {
            Path path = null;
            Throwable failure = null;
            try {
                path = fetch(this);
            } catch (JobCancelledException e) {
                log.info("download of {} stopped: {}", where, e.getMessage());
                failure = e;
            } catch (EngineException e) {
                log.warn("{}", e.getMessage());
                log.debug("download failure", e);
                failure = e;
            } catch (Throwable e) {
                log.warn("download of {} failed", where, e);
                failure = new EngineException("download of " + where + " failed: " + e, true, e);
            } finally {
                // Leave the map before completing, so a caller that sees the outcome and tries again starts afresh.
                inFlight.remove(target, this);
            }
            if (failure == null) {
                result.complete(path);
            } else {
                result.completeExceptionally(failure);
            }
        }

        /** False when the download is already stopping for want of callers. */
        synchronized boolean join(ProgressListener listener) {
            if (stop.isCancelled()) {
                return false;
            }
            callers++;
            listeners.add(listener);
            Progress latest = last;
            if (latest != null) {
                notify(listener, latest);
            }
            return true;
        }

        void leave(ProgressListener listener, boolean cancelled) {
            boolean stopping;
            synchronized (this) {
                callers--;
                listeners.remove(listener);
                stopping = cancelled && callers == 0 && !result.isDone();
                if (stopping) {
                    stop.cancel("every caller cancelled");
                }
            }
            if (stopping) {
                // Wait for the transfer to close its files, so the caller may touch them at once.
                try {
                    result.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // cancelled as asked, or still stopping: either way this caller is done
                }
            }
        }

        /** Synchronized with {@link #join}, so a caller that joins late never sees an older report after a newer. */
        synchronized void report(Progress progress) {
            last = progress;
            for (ProgressListener listener : listeners) {
                notify(listener, progress);
            }
        }

        private static void notify(ProgressListener listener, Progress progress) {
            try {
                listener.onProgress(progress);
            } catch (RuntimeException e) {
                log.debug("progress listener failed", e);
            }
        }
    }
}
