package gg.minis.studio.worker.engines.speech;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.engines.speech.TestWavs.Encoding;
import gg.minis.studio.worker.engines.testing.BackendFixture;
import gg.minis.studio.worker.engines.testing.Jobs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;

/** A {@link WhisperEngine} on sw_testbackend (see {@link BackendFixture}); no ffmpeg unless a test asks. */
abstract class WhisperFixture extends BackendFixture {
    static final String MODEL_ID = "whisper-base";
    private static final AtomicInteger FILES = new AtomicInteger();

    WhisperEngine engine;

    @BeforeEach
    void createEngine() {
        engine = engine(null);
    }

    @Override
    protected WhisperEngine engine() {
        return engine;
    }

    WhisperEngine engine(Path ffmpeg) {
        return WhisperEngine.builder(files).backend(nativeBackend.backend()).ffmpeg(ffmpeg).build();
    }

    List<ModelFile> model(String filename) {
        return List.of(files.file(ModelFileRole.MODEL, filename));
    }

    JobClaim claim(SttTask task) {
        return claim(task, model("ggml-base.bin"));
    }

    JobClaim claim(SttTask task, List<ModelFile> modelFiles) {
        return Jobs.claim(MODEL_ID, task, EngineIds.WHISPER_CPP, modelFiles, null);
    }

    static SttTask task(String url) {
        return SttTask.of(url);
    }

    static SttTask task(String url, String language, Boolean translate, String prompt, TimestampGranularity ts) {
        return new SttTask(url, language, translate, prompt, null, ts);
    }

    /** {@code bytes} as a file: URL in the temp folder. */
    String fileUrl(byte[] bytes) {
        try {
            Path p = dir.resolve("audio-" + FILES.incrementAndGet() + ".bin");
            Files.write(p, bytes);
            return p.toUri().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A mono float 16 kHz WAV of a 440 Hz sine at amplitude 0.5 (RMS 0.3536). */
    static byte[] sineWav(double seconds) {
        return TestWavs.wav(16000, Encoding.F32, TestWavs.sine(seconds, 16000, 440, 0.5));
    }

    JsonNode run(JobClaim claim) throws EngineException {
        return run(engine, claim, CancellationToken.none());
    }

    JsonNode run(WhisperEngine e, JobClaim claim, CancellationToken cancel) throws EngineException {
        return ((JsonResult) e.run(claim, events::add, cancel)).json();
    }

    EngineException failure(JobClaim claim) {
        EngineException e = catchThrowableOfType(EngineException.class, () -> run(claim));
        assertThat(e).as("the job should have failed").isNotNull();
        return e;
    }

    void assertNextJobSucceeds() throws EngineException {
        JsonNode json = run(claim(task(fileUrl(sineWav(1.0)))));
        assertThat(json.get("text").asText()).isEqualTo("samples=16000 rms=0.3536");
    }
}
