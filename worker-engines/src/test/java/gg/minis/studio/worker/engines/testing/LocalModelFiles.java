package gg.minis.studio.worker.engines.testing;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.models.ModelFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link ModelFiles} over a temp folder: {@link #file} creates a small local file and the {@link ModelFile} whose
 * URL maps to it; {@code resolve} answers that file (reporting one {@code download} progress event) and records the
 * call. URLs it does not know fail like a download would.
 */
public final class LocalModelFiles implements ModelFiles {
    private final Path dir;
    private final List<ModelFile> resolved = new CopyOnWriteArrayList<>();

    public LocalModelFiles(Path dir) {
        this.dir = dir;
    }

    /** A model file of {@code role} named {@code filename}, present on disk. */
    public ModelFile file(ModelFileRole role, String filename) {
        try {
            Files.writeString(dir.resolve(filename), "weights of " + filename, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelFile(role, "https://models.example/" + filename + "?token=secret", filename, null, null);
    }

    public Path pathOf(String filename) {
        return dir.resolve(filename);
    }

    /** Every file resolved so far, in order. */
    public List<ModelFile> resolved() {
        return List.copyOf(resolved);
    }

    @Override
    public Path resolve(TaskKind kind, ModelFile file, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        cancel.throwIfCancelled();
        resolved.add(file);
        Path p = dir.resolve(file.filename());
        if (!Files.isRegularFile(p)) {
            throw new EngineException("model file " + file.filename() + " cannot be downloaded (HTTP 404)", false);
        }
        progress.onProgress(new Progress("download", 1, 1));
        return p;
    }
}
