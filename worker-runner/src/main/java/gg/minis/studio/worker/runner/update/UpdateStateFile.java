package gg.minis.studio.worker.runner.update;

import gg.minis.studio.worker.runner.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code update-check.json}: the last check's result, written atomically so a reader never sees half a file. */
public final class UpdateStateFile {
    private static final Logger log = LoggerFactory.getLogger(UpdateStateFile.class);
    private final Path file;

    public UpdateStateFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The last result, or empty when there is none or it cannot be read (it is only a cache). */
    public Optional<UpdateCheckResult> read() {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(UpdateCheck.JSON.readValue(file.toFile(), UpdateCheckResult.class));
        } catch (IOException | RuntimeException e) {
            log.debug("ignoring unreadable {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** What {@code runner status} shows: the last result and when it was taken. */
    public String statusLine(boolean checksEnabled) {
        Optional<UpdateCheckResult> last = read();
        String off = checksEnabled ? "" : " (background checks off: auto_update_enabled = false)";
        return last.map(r -> r.summary() + ", checked " + r.checkedAt() + off)
                .orElse(checksEnabled ? "not checked yet ('runner update --check' checks now)"
                        : "not checked" + off);
    }

    /** Best effort: a failed write is logged, never thrown (the check itself worked). */
    public void write(UpdateCheckResult result) {
        try {
            AtomicFiles.write(file, UpdateCheck.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(result));
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write {}: {}", file, e.toString());
        }
    }
}
