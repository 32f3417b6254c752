package gg.minis.studio.worker.engines.models;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.task.TaskKind;
import java.nio.file.Path;

/**
 * Turns one {@code modelSource.files} entry into a local, verified file. The production implementation is
 * {@code ModelCache} (download into {@code models_root/<kind>/}, sha256, resume, path guard); tests map URLs to
 * files they created.
 */
@FunctionalInterface
public interface ModelFiles {
    /**
     * The local path of {@code file}, downloading it first when needed.
     *
     * @param progress receives {@code Progress("download", bytes, total)} while a download runs
     * @throws EngineException naming the file (and the URL without its query string) when it cannot be had
     */
    Path resolve(TaskKind kind, ModelFile file, ProgressListener progress, CancellationToken cancel)
            throws EngineException;

    /**
     * {@code file:} URLs name a model already on this machine (one-shot commands, local catalogs): used in place,
     * never copied; anything else goes to {@code remote}.
     */
    static ModelFiles localFilesOr(ModelFiles remote) {
        return (kind, file, progress, cancel) -> {
            if (!file.url().regionMatches(true, 0, "file:", 0, 5)) {
                return remote.resolve(kind, file, progress, cancel);
            }
            Path path;
            try {
                path = Path.of(java.net.URI.create(file.url()));
            } catch (IllegalArgumentException e) {
                throw EngineException.permanent("modelSource.files url '" + file.url() + "' is not a valid file URL");
            }
            if (!java.nio.file.Files.isRegularFile(path)) {
                throw EngineException.permanent("model file " + path + " (role " + file.role() + ") does not exist");
            }
            return path;
        };
    }
}
