package gg.minis.studio.worker.engines.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ResidentModels.Phase;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.testing.Jobs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link gg.minis.studio.worker.api.engine.ResidentModels} on the image engine over sw_testbackend. */
class StableDiffusionEngineResidencyTest extends SdFixture {
    private ModelSource source(String filename) {
        return new ModelSource(EngineIds.SD_CPP, checkpoint(filename), null);
    }

    private long opens() {
        return nativeBackend.logCount("image model opened");
    }

    @Test
    void loadKeepsAModelThatJobsOnTheSameFilesReuse() throws EngineException {
        long before = opens();
        engine.load("sd-a", TaskKind.IMAGE, source("a.safetensors"), CancellationToken.none());
        assertThat(engine.state("sd-a").phase()).isEqualTo(Phase.RESIDENT);
        // Another id, the same files: the resolved model set is the key, so no reload, and it stays after the job.
        JobClaim claim = Jobs.claim("another-name", Jobs.image().build(), EngineIds.SD_CPP, checkpoint("a.safetensors"),
                null);
        run(claim);
        engine.releaseAfter(claim);
        assertThat(opens() - before).isEqualTo(1);
        assertThat(engine.state("sd-a").phase()).isEqualTo(Phase.RESIDENT);
        assertThat(nativeBackend.liveAllocations()).isEqualTo(1);

        engine.unload("sd-a");
        assertThat(engine.state("sd-a").phase()).isEqualTo(Phase.ON_DISK);
        assertThat(nativeBackend.liveAllocations()).isZero();
    }

    @Test
    void aModelLoadedForOneJobIsReleasedAfterIt_andLoadingAnotherReplacesTheResidentOne() throws EngineException {
        engine.load("sd-a", TaskKind.IMAGE, source("a.safetensors"), CancellationToken.none());
        JobClaim other = Jobs.claim("sd-b", Jobs.image().build(), EngineIds.SD_CPP, checkpoint("b.safetensors"),
                null);
        run(other);
        assertThat(engine.state("sd-a").phase()).isEqualTo(Phase.ON_DISK);
        assertThat(engine.state("sd-a").detail()).contains("replaced by sd-b", "one model resident at a time");
        engine.releaseAfter(other);
        assertThat(engine.state("sd-b").phase()).isEqualTo(Phase.ON_DISK);
        assertThat(nativeBackend.liveAllocations()).isZero();
        assertThat(engine.capacity()).isEqualTo(1);
    }

    @Test
    void aFailedLoadIsFailedWithTheReasonUntilUnloaded() {
        List<ModelFile> broken = List.of(files.file(ModelFileRole.MODEL, "broken#fail:load.gguf"));
        EngineException e = catchThrowableOfType(EngineException.class, () -> engine.load("bad", TaskKind.IMAGE,
                new ModelSource(EngineIds.SD_CPP, broken, null), CancellationToken.none()));
        assertThat(e).isNotNull();
        assertThat(engine.state("bad").phase()).isEqualTo(Phase.FAILED);
        assertThat(engine.state("bad").detail()).contains("broken#fail:load.gguf");
        engine.unload("bad");
        assertThat(engine.state("bad").phase()).isEqualTo(Phase.ON_DISK);
        assertThat(engine.canLoad(TaskKind.IMAGE, ModelSource.of("synthetic"))).isFalse();
    }
}
