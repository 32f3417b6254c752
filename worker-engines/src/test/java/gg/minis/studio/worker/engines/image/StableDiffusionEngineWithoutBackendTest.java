package gg.minis.studio.worker.engines.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.testing.Jobs;
import gg.minis.studio.worker.engines.testing.LocalModelFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What needs no native library at all: these run on every machine. */
class StableDiffusionEngineWithoutBackendTest {
    @TempDir
    Path dir;

    @Test
    void aMissingLibraryFailsTheJobNamingTheLibraryAndNothingIsLoaded() {
        LocalModelFiles files = new LocalModelFiles(dir);
        try (StableDiffusionEngine engine = new StableDiffusionEngine("sw_no_such_backend", files)) {
            assertThat(engine.id()).isEqualTo("sd-cpp");
            assertThat(engine.libraryName()).isEqualTo("sw_no_such_backend");
            var claim = Jobs.claim("m", Jobs.image().build(), EngineIds.SD_CPP,
                    List.of(files.file(ModelFileRole.MODEL, "m.gguf")), null);
            EngineException e = catchThrowableOfType(EngineException.class,
                    () -> engine.run(claim, p -> {}, CancellationToken.none()));
            assertThat(e).hasMessageContaining("sd-cpp: cannot load the native library sw_no_such_backend");
            assertThat(e.retryable()).as("the job is fine; this worker cannot run it").isTrue();
            assertThat(engine.residentModel()).isEmpty();
            assertThat(engine.models(TaskKind.IMAGE)).isEmpty();
        }
    }

    @Test
    void validationNeedsNoLibrary() {
        LocalModelFiles files = new LocalModelFiles(dir);
        try (StableDiffusionEngine engine = new StableDiffusionEngine("sw_no_such_backend", files)) {
            var claim = Jobs.claim("m", Jobs.image().size(500, 64).build(), EngineIds.SD_CPP,
                    List.of(files.file(ModelFileRole.MODEL, "m.gguf")), null);
            EngineException e = catchThrowableOfType(EngineException.class,
                    () -> engine.run(claim, p -> {}, CancellationToken.none()));
            assertThat(e).hasMessage("task.width must be a multiple of 8, got 500");
            assertThat(e.retryable()).isFalse();
        }
    }
}
