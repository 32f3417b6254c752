package gg.minis.studio.worker.engines.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.engines.speech.TestWavs.Encoding;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a speech job can fail, its message, and that the next job runs. */
class WhisperEngineFailureTest extends WhisperFixture {

    @Test
    void nonWavAudioWithoutFfmpegIsPermanentAndSaysSo() throws Exception {
        String url = fileUrl("ID3\u0004\0\0\0\0\0\0 fake mp3 frames".getBytes());
        EngineException e = failure(claim(task(url)));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("audio format of task.inputUrl (" + url + ") is not WAV and ffmpeg is not "
                + "installed (install ffmpeg, or send PCM or float WAV)");
        assertNextJobSucceeds();
    }

    @Test
    void aWavEncodingTheDecoderDoesNotReadNeedsFfmpeg() throws Exception {
        String url = fileUrl(TestWavs.wav(8000, Encoding.ALAW, new double[] {0.1, 0.2}));
        EngineException e = failure(claim(task(url)));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageStartingWith("task.inputUrl (" + url + "): WAV encoding A-law with 8 bits per "
                + "sample is not supported and ffmpeg is not installed");
        assertNextJobSucceeds();
    }

    @Test
    void aCorruptWavIsPermanentAndNamesTheField() throws Exception {
        String url = fileUrl("RIFF\0\0\0\0WAVEfmt \u0002\0\0\0xx".getBytes());
        EngineException e = failure(claim(task(url)));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("task.inputUrl (" + url + ") is not a valid WAV file: fmt chunk is too short "
                + "(2 bytes)");
        assertThat(files.resolved()).as("bad audio fails before any model download").isEmpty();
        assertNextJobSucceeds();
    }

    @Test
    void anUnreachableUrlIsRetryableAndAMissingFileIsNot() throws Exception {
        try (RefusedPort refused = new RefusedPort()) {
            EngineException e = failure(claim(task(refused.url("/a.wav?token=secret"))));
            assertThat(e.retryable()).isTrue();
            assertThat(e).hasMessageStartingWith("task.inputUrl: cannot fetch " + refused.url("/a.wav"))
                    .hasMessageNotContaining("secret");
        }
        EngineException missing = failure(claim(task(dir.resolve("gone.wav").toUri().toString())));
        assertThat(missing.retryable()).isFalse();
        assertThat(missing).hasMessageContaining("task.inputUrl").hasMessageContaining("gone.wav does not exist");
        assertNextJobSucceeds();
    }

    @Test
    void aBadLanguageIsPermanent() throws Exception {
        EngineException e = failure(claim(task(fileUrl(sineWav(1.0)), "English", null, null, null)));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("task.language must be an ISO 639-1 code or \"auto\", got 'English'");
        assertNextJobSucceeds();
    }

    @Test
    void aMissingModelRoleNamesModelSourceFilesAndTheRole() throws Exception {
        List<ModelFile> noModel = List.of(files.file(ModelFileRole.VAE, "vae.bin"));
        EngineException e = failure(claim(task(fileUrl(sineWav(1.0))), noModel));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("modelSource.files has no file with role model (required for whisper-cpp)");
        assertThat(files.resolved()).isEmpty();
        assertNextJobSucceeds();
    }

    @Test
    void aCorruptModelFileIsPermanentNamesTheFileAndTheEngineRecovers() throws Exception {
        assertNextJobSucceeds();
        EngineException e = failure(claim(task(fileUrl(sineWav(1.0))), model("broken#fail:load.bin")));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageStartingWith("modelSource.files: cannot load model file broken#fail:load.bin: ");
        assertThat(engine.residentModel()).isEmpty();
        assertThat(nativeBackend.liveAllocations()).isZero();
        assertNextJobSucceeds();
    }

    @ParameterizedTest
    @CsvSource({
        "#fail:oom, true, whisper-cpp ran out of memory: out of memory (simulated by #fail:oom) at segment 3 of 4",
        "#fail:backend, true, whisper-cpp failed: backend failure (simulated by #fail:backend) at segment 3 of 4"})
    void backendFailuresMidTranscriptionAreRetryable(String knob, boolean retryable, String message)
            throws Exception {
        EngineException e = failure(claim(task(fileUrl(sineWav(4.0)), null, null, "names " + knob, null)));
        assertThat(e.retryable()).isEqualTo(retryable);
        assertThat(e).hasMessage(message);
        assertThat(engine.residentModel()).isPresent();
        assertThat(nativeBackend.liveAllocations()).as("the partial transcript was freed").isEqualTo(1);
        assertNextJobSucceeds();
    }

    @Test
    void cancellingMidTranscriptionStopsTheBackendAndTheNextJobRuns() throws Exception {
        CancellationToken token = new CancellationToken();
        CountDownLatch secondSegment = new CountDownLatch(1);
        CountDownLatch cancelSent = new CountDownLatch(1);
        var claim = claim(task(fileUrl(sineWav(30.0)), null, null, "#slow:30", null));
        CompletableFuture<Object> job = CompletableFuture.supplyAsync(() -> {
            try {
                return engine.run(claim, p -> {
                    events.add(p);
                    if (p.phase().equals("transcribe") && p.done() == 2) {
                        secondSegment.countDown();
                        // Held here until the cancel is sent: a slow test thread must not let the job finish first.
                        try {
                            cancelSent.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }, token);
            } catch (EngineException e) {
                throw new CompletionException(e);
            }
        });
        assertThat(secondSegment.await(30, TimeUnit.SECONDS)).isTrue();
        token.cancel("job timed out");
        cancelSent.countDown();

        ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> job.get(30, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOf(JobCancelledException.class).hasMessage("cancelled: job timed out");
        assertThat(events).filteredOn(p -> p.phase().equals("transcribe")).hasSizeLessThan(30);
        assertThat(nativeBackend.liveAllocations()).isEqualTo(1);
        assertNextJobSucceeds();
    }

    @Test
    void aCancelBeforeTheNativeCallIsNotLost() throws Exception {
        CancellationToken token = new CancellationToken();
        JobCancelledException e = catchThrowableOfType(JobCancelledException.class, () -> engine.run(
                claim(task(fileUrl(sineWav(2.0)))), p -> {
                    if (p.equals(new Progress("load", 1, 1))) {
                        token.cancel("shutdown");
                    }
                }, token));
        assertThat(e).hasMessage("cancelled: shutdown");
        assertNextJobSucceeds();
    }

    @Test
    void aJobOfAnotherKindIsRefused() {
        EngineException e = failure(gg.minis.studio.worker.engines.testing.Jobs.claim(MODEL_ID, ImageTask.of("x"),
                "whisper-cpp", model("ggml-base.bin"), null));
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessage("whisper-cpp runs audio_stt tasks, not image");
    }
}
