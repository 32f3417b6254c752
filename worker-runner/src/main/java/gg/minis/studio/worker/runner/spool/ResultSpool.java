package gg.minis.studio.worker.runner.spool;

import gg.minis.studio.worker.runner.Sha256;
import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finished results on disk until the studio acknowledges them, so nothing is lost across reconnects, crashes and
 * restarts. Each entry is {@code <key>.payload} (binary results only) plus {@code <key>.json} (metadata), both
 * written to a temp file, fsynced and renamed; the metadata goes last, so a half-written entry is never seen.
 * Entries the studio refused for good move to {@code refused/}: kept for the operator, never retried.
 */
public final class ResultSpool {
    private static final Logger log = LoggerFactory.getLogger(ResultSpool.class);
    private static final Pattern SAFE_KEY = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final String META = ".json";
    private static final String PAYLOAD = ".payload";

    private final Path dir;

    public ResultSpool(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir.resolve("refused"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create result spool " + dir, e);
        }
        deleteLeftoverTempFiles();
    }

    public Path directory() {
        return dir;
    }

    public SpooledResult putBinary(String jobId, String workerId, String prompt, String ext, byte[] bytes)
            throws IOException {
        String key = key(jobId);
        Path payload = dir.resolve(key + PAYLOAD);
        writeAtomically(payload, bytes, true);
        SpooledResult entry = new SpooledResult(jobId, workerId, SpooledResult.Outcome.BINARY, prompt, ext, null,
                null, null, Sha256.hex(bytes), bytes.length, Instant.now().toString(), 0, payload);
        writeMeta(entry);
        return entry;
    }

    public SpooledResult putJson(String jobId, String workerId, String prompt, JsonNode json) throws IOException {
        SpooledResult entry = new SpooledResult(jobId, workerId, SpooledResult.Outcome.JSON, prompt, null, json,
                null, null, null, 0, Instant.now().toString(), 0, null);
        writeMeta(entry);
        return entry;
    }

    public SpooledResult putFailure(String jobId, String workerId, String error, boolean retryable)
            throws IOException {
        SpooledResult entry = new SpooledResult(jobId, workerId, SpooledResult.Outcome.FAILURE, null, null, null,
                error, retryable, null, 0, Instant.now().toString(), 0, null);
        writeMeta(entry);
        return entry;
    }

    /**
     * Records one more delivery attempt (kept across restarts, for diagnostics). Atomic but not fsynced: losing a
     * count in a crash is harmless, and an fsync per upload attempt is not.
     */
    public SpooledResult recordAttempt(SpooledResult entry) throws IOException {
        SpooledResult next = entry.withDeliveryAttempts(entry.deliveryAttempts() + 1);
        writeAtomically(dir.resolve(key(next.jobId()) + META), WireJson.encodeBytes(next), false);
        return next;
    }

    /** Everything awaiting acknowledgement, oldest first. Unreadable entries are logged and skipped. */
    public List<SpooledResult> pending() {
        List<SpooledResult> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + META)) {
            for (Path file : files) {
                read(file).ifPresent(entries::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list result spool " + dir, e);
        }
        // As instants, not strings: Instant.toString() drops a zero fraction, so "...:00Z" sorts after "...:00.5Z".
        entries.sort(Comparator.comparing(ResultSpool::createdInstant).thenComparing(SpooledResult::jobId));
        return entries;
    }

    private static Instant createdInstant(SpooledResult entry) {
        try {
            return Instant.parse(entry.createdAt());
        } catch (RuntimeException e) { // hand-edited or from an older format: first, so it is not starved
            return Instant.EPOCH;
        }
    }

    public Optional<SpooledResult> get(String jobId) {
        Path meta = dir.resolve(key(jobId) + META);
        return Files.exists(meta) ? read(meta) : Optional.empty();
    }

    public boolean contains(String jobId) {
        return Files.exists(dir.resolve(key(jobId) + META));
    }

    /** The studio acknowledged the job: forget it. Metadata goes first so a crash never leaves a payload-less entry. */
    public void remove(String jobId) throws IOException {
        String key = key(jobId);
        Files.deleteIfExists(dir.resolve(key + META));
        Files.deleteIfExists(dir.resolve(key + PAYLOAD));
    }

    /** The studio refused the result for good: keep it under {@code refused/} for the operator. */
    public void moveToRefused(String jobId) throws IOException {
        String key = key(jobId);
        for (String suffix : List.of(PAYLOAD, META)) {
            Path source = dir.resolve(key + suffix);
            if (Files.exists(source)) {
                Files.move(source, dir.resolve("refused").resolve(key + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    public byte[] readPayload(SpooledResult entry) throws IOException {
        byte[] bytes = Files.readAllBytes(entry.payload());
        if (entry.payloadSha256() != null && !entry.payloadSha256().equals(Sha256.hex(bytes))) {
            throw new IOException("spooled payload " + entry.payload() + " is corrupt (sha256 mismatch)");
        }
        return bytes;
    }

    private Optional<SpooledResult> read(Path meta) {
        try {
            SpooledResult entry = WireJson.mapper().readValue(meta.toFile(), SpooledResult.class);
            if (entry.outcome() == SpooledResult.Outcome.BINARY) {
                Path payload = dir.resolve(key(entry.jobId()) + PAYLOAD);
                if (!Files.exists(payload)) {
                    if (Files.notExists(meta)) {
                        return Optional.empty(); // acknowledged and removed while we read it (status readers)
                    }
                    log.error("spool entry {} has no payload file {}; keeping the metadata for inspection",
                            meta, payload);
                    return Optional.empty();
                }
                entry = entry.withPayload(payload);
            }
            return Optional.of(entry);
        } catch (IOException e) {
            if (Files.notExists(meta)) {
                return Optional.empty(); // removed between listing and reading
            }
            log.error("cannot read spool entry {}: {}", meta, e.getMessage());
            return Optional.empty();
        }
    }

    private void writeMeta(SpooledResult entry) throws IOException {
        writeAtomically(dir.resolve(key(entry.jobId()) + META), WireJson.encodeBytes(entry), true);
    }

    private void writeAtomically(Path target, byte[] bytes, boolean durable) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
            out.write(bytes);
            out.flush();
            if (durable) {
                channel.force(true);
            }
        }
        restrictToOwner(temp);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void restrictToOwner(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Not a POSIX file system (Windows): the per-user data directory already protects it.
        }
    }

    private void deleteLeftoverTempFiles() {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "*.tmp")) {
            for (Path temp : temps) {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            log.warn("cannot clean temp files in {}: {}", dir, e.getMessage());
        }
    }

    /** Job ids become file names: safe ids as they are, anything else by its hash. */
    static String key(String jobId) {
        return SAFE_KEY.matcher(jobId).matches() && !jobId.startsWith(".")
                ? jobId
                : "h-" + Sha256.hex(jobId).substring(0, 40);
    }
}
