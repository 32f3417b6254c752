package gg.minis.studio.worker.engines.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.engines.testing.Jobs;
import gg.minis.studio.worker.engines.testing.LocalModelFiles;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way an image job can fail, the message it gets, and that the engine runs the next job. */
class StableDiffusionEngineFailureTest extends SdFixture {

    static Stream<Arguments> badParameters() {
        CliDefaults badDefaultWidth = new CliDefaults(null, null, 500, null, null, null, null, null, null, null);
        CliDefaults badDefaultSampler = new CliDefaults(null, null, null, null, "k_lms", null, null, null, null, null);
        return Stream.of(
                Arguments.of(Jobs.image().size(500, 64).build(), null, "task.width must be a multiple of 8, got 500"),
                Arguments.of(Jobs.image().size(64, 4096).build(), null, "task.height must be in 64..2048, got 4096"),
                Arguments.of(Jobs.image().size(32, 64).build(), null, "task.width must be in 64..2048, got 32"),
                Arguments.of(Jobs.image().steps(0).build(), null, "task.steps must be in 1..150, got 0"),
                Arguments.of(Jobs.image().steps(151).build(), null, "task.steps must be in 1..150, got 151"),
                Arguments.of(Jobs.image().cfg(31.0).build(), null, "task.cfgScale must be in 0..30, got 31"),
                Arguments.of(Jobs.image().cfg(-0.5).build(), null, "task.cfgScale must be in 0..30, got -0.5"),
                Arguments.of(Jobs.image().cfg(Double.NaN).build(), null, "task.cfgScale must be in 0..30, got NaN"),
                Arguments.of(Jobs.image().sampler("bogus").build(), null,
                        "task.samplingMethod 'bogus' is not a known sampler (expected one of euler, euler_a"),
                Arguments.of(Jobs.image().init("file:/nowhere.png").denoise(1.5).build(), null,
                        "task.denoise must be in 0..1, got 1.5"),
                Arguments.of(Jobs.image().ext("bmp").build(), null, "task.ext 'bmp' is not supported"),
                Arguments.of(Jobs.image().mask("file:/mask.png").build(), null, "task.maskUrl needs task.initImageUrl"),
                Arguments.of(Jobs.image().size(null, 64).build(), badDefaultWidth,
                        "modelSource.cliDefaults.width must be a multiple of 8, got 500"),
                Arguments.of(Jobs.image().build(), badDefaultSampler,
                        "modelSource.cliDefaults.samplingMethod 'k_lms' is not a known sampler"));
    }

    @ParameterizedTest
    @MethodSource("badParameters")
    void badParametersFailPermanentlyBeforeAnyDownloadOrNativeCall(ImageTask task, CliDefaults defaults,
                                                                    String message) throws Exception {
        long opened = nativeBackend.logCount("image model opened");
        EngineException e = failure(claim(task, checkpoint("sd15.safetensors"), defaults));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining(message);
        assertThat(files.resolved()).as("no model file resolved").isEmpty();
        assertThat(nativeBackend.logCount("image model opened")).isEqualTo(opened);
        assertNextJobSucceeds();
    }

    @Test
    void samplerNamesAreMatchedIgnoringCase() throws Exception {
        run(claim(Jobs.image().sampler(" Euler_A ").build()));
        assertThat(nativeBackend.echo(gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_IMAGE_PARAMS))
                .containsEntry("sample_method", "euler_a");
    }

    @Test
    void everySamplerTheEngineKnowsTheBackendKnowsToo() throws Exception {
        for (String sampler : ImageRequest.SAMPLERS) {
            run(claim(Jobs.image().sampler(sampler).steps(1).build()));
        }
    }

    @Test
    void aMissingModelRoleNamesModelSourceFilesAndTheRole() throws Exception {
        List<ModelFile> onlyVae = List.of(files.file(ModelFileRole.VAE, "ae.safetensors"));
        EngineException e = failure(claim(Jobs.image().build(), onlyVae, null));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("modelSource.files").hasMessageContaining("diffusion-model or model")
                .hasMessageContaining("got roles vae");
        assertThat(failure(claim(Jobs.image().build(), List.of(), null)))
                .hasMessageContaining("modelSource.files has no file with role diffusion-model or model");
        assertThat(files.resolved()).isEmpty();
        assertNextJobSucceeds();
    }

    @Test
    void twoFilesForOneSlotAreRefused() throws Exception {
        List<ModelFile> set = List.of(files.file(ModelFileRole.MODEL, "a.gguf"),
                files.file(ModelFileRole.TEXT_ENCODER, "clip_l.safetensors"),
                files.file(ModelFileRole.TEXT_ENCODER, "clip-l-other.safetensors"));
        EngineException e = failure(claim(Jobs.image().build(), set, null));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("two text-encoder files for the clip_l slot");
        assertNextJobSucceeds();
    }

    @Test
    void aModelFileThatCannotBeHadFailsTheJob() throws Exception {
        ModelFile absent = new ModelFile(ModelFileRole.MODEL, "https://models.example/gone.gguf", "gone.gguf", null,
                null);
        EngineException e = failure(claim(Jobs.image().build(), List.of(absent), null));
        assertThat(e).hasMessageContaining("gone.gguf");
        assertNextJobSucceeds();
    }

    @Test
    void aCorruptModelFileIsPermanentNamesTheFileAndLeavesTheEngineUsable() throws Exception {
        run(claim(Jobs.image().build()));
        assertThat(engine.residentModel()).isPresent();

        List<ModelFile> corrupt = List.of(files.file(ModelFileRole.DIFFUSION_MODEL, "broken#fail:load.gguf"),
                files.file(ModelFileRole.VAE, "ae.safetensors"));
        EngineException e = failure(claim(Jobs.image().build(), corrupt, null));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("modelSource.files: cannot load diffusion-model file "
                + "broken#fail:load.gguf");
        assertThat(engine.residentModel()).as("the old model was closed before loading, nothing is resident")
                .isEmpty();
        assertThat(engine.models(gg.minis.studio.worker.api.task.TaskKind.IMAGE)).isEmpty();
        assertThat(nativeBackend.liveAllocations()).isZero();

        assertNextJobSucceeds();
        assertThat(engine.residentModel()).isPresent();
    }

    @Test
    void runningOutOfMemoryWhileLoadingIsRetryable() throws Exception {
        EngineException e = failure(claim(Jobs.image().build(), checkpoint("huge#fail:oom.gguf"), null));
        assertThat(e.retryable()).isTrue();
        assertThat(e).hasMessageContaining("sd-cpp ran out of memory").hasMessageContaining("huge#fail:oom.gguf");
        assertNextJobSucceeds();
    }

    static Stream<Arguments> backendFailures() {
        return Stream.of(
                Arguments.of("#fail:oom", true, "sd-cpp ran out of memory: out of memory (simulated by #fail:oom)"),
                Arguments.of("#fail:backend", true, "sd-cpp failed: backend failure (simulated by #fail:backend)"),
                Arguments.of("#fail:unsupported", false, "sd-cpp does not support this job: unsupported"));
    }

    @ParameterizedTest
    @MethodSource("backendFailures")
    void backendFailuresMidGenerationMapToRetryableOrPermanent(String knob, boolean retryable, String message)
            throws Exception {
        run(claim(Jobs.image().build()));
        EngineException e = failure(claim(Jobs.image().prompt("a cat " + knob).steps(6).build()));
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e).hasMessageContaining(message).hasMessageContaining("at step 4 of 6");
        assertThat(e).isNotInstanceOf(JobCancelledException.class);
        assertThat(engine.residentModel()).as("a generation failure keeps the model").isPresent();
        assertThat(nativeBackend.liveAllocations()).as("the failed output buffer was freed").isEqualTo(1);
        assertNextJobSucceeds();
    }

    @Test
    void cancellingMidRunStopsTheBackendAndTheNextJobRuns() throws Exception {
        CancellationToken token = new CancellationToken();
        JobClaimRunner runner = new JobClaimRunner();
        var claim = claim(Jobs.image().prompt("slow #slow:20").steps(100).build());
        CompletableFuture<Object> job = CompletableFuture.supplyAsync(() -> runner.run(claim, token));
        assertThat(runner.thirdStep.await(30, TimeUnit.SECONDS)).as("reached step 3").isTrue();
        token.cancel("operator pressed stop");
        runner.cancelSent.countDown();

        ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> job.get(30, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(JobCancelledException.class)
                .hasMessage("cancelled: operator pressed stop");
        assertThat(((EngineException) e.getCause()).retryable()).isTrue();
        assertThat(runner.events).filteredOn(p -> p.phase().equals("generate")).hasSizeLessThan(100);
        assertThat(nativeBackend.liveAllocations()).isEqualTo(1);
        assertNextJobSucceeds();
    }

    /**
     * Runs a job on a pool thread and signals when step 3 was reported; the job then waits in that report until the
     * test has sent its cancel, so however slowly the test thread runs, the job cannot finish first.
     */
    private final class JobClaimRunner {
        final CountDownLatch thirdStep = new CountDownLatch(1);
        final CountDownLatch cancelSent = new CountDownLatch(1);
        final List<Progress> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        Object run(gg.minis.studio.worker.api.job.JobClaim claim, CancellationToken token) {
            try {
                return engine.run(claim, p -> {
                    events.add(p);
                    if (p.phase().equals("generate") && p.done() == 3) {
                        thirdStep.countDown();
                        awaitQuietly(cancelSent);
                    }
                }, token);
            } catch (EngineException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aCancelBeforeTheJobStartsFailsItWithoutTouchingModelsOrBackend() throws Exception {
        CancellationToken token = new CancellationToken();
        token.cancel("shutdown");
        long opened = nativeBackend.logCount("image model opened");
        JobCancelledException e = catchThrowableOfType(JobCancelledException.class,
                () -> run(claim(Jobs.image().build()), token));
        assertThat(e).hasMessage("cancelled: shutdown");
        assertThat(files.resolved()).isEmpty();
        assertThat(nativeBackend.logCount("image model opened")).isEqualTo(opened);
        assertNextJobSucceeds();
    }

    @Test
    void aCancelArrivingJustBeforeTheNativeCallIsNotLost() throws Exception {
        CancellationToken token = new CancellationToken();
        // Cancelled while the model loads: after the engine's last Java-side check, before sw_image_generate.
        JobCancelledException e = catchThrowableOfType(JobCancelledException.class, () -> engine.run(
                claim(Jobs.image().steps(10).build()), p -> {
                    events.add(p);
                    if (p.equals(new Progress("load", 1, 1))) {
                        token.cancel("watchdog");
                    }
                }, token));
        assertThat(e).hasMessage("cancelled: watchdog");
        assertThat(events).noneMatch(p -> p.phase().equals("generate"));
        assertThat(nativeBackend.echo(gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_IMAGE_PARAMS))
                .as("the backend saw the call with the flag already set").containsEntry("steps", "10");
        assertNextJobSucceeds();
    }
}
