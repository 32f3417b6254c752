package gg.minis.studio.worker.engines.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.TaskKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalModelFilesTest {
    @TempDir
    Path dir;

    private final List<String> remoteCalls = new ArrayList<>();
    private final ModelFiles files = ModelFiles.localFilesOr((kind, file, progress, cancel) -> {
        remoteCalls.add(file.url());
        return dir.resolve("downloaded");
    });

    private Path resolve(String url) throws EngineException {
        return files.resolve(TaskKind.IMAGE, new ModelFile(ModelFileRole.MODEL, url, "m.bin", null, null),
                ProgressListener.NONE, CancellationToken.none());
    }

    @Test
    void fileUrlsAreUsedInPlaceAndOthersGoToTheCache() throws Exception {
        Path model = Files.writeString(dir.resolve("model.gguf"), "weights");
        assertThat(resolve(model.toUri().toString())).isEqualTo(model);
        assertThat(resolve("https://cdn.example/m.bin")).isEqualTo(dir.resolve("downloaded"));
        assertThat(remoteCalls).containsExactly("https://cdn.example/m.bin");
    }

    @Test
    void aMissingLocalFileIsAPermanentErrorNamingIt() {
        Path missing = dir.resolve("nope.gguf");
        assertThatThrownBy(() -> resolve(missing.toUri().toString()))
                .isInstanceOf(EngineException.class)
                .hasMessage("model file " + missing + " (role model) does not exist")
                .satisfies(e -> assertThat(((EngineException) e).retryable()).isFalse());
        assertThat(remoteCalls).isEmpty();
    }
}
