package gg.minis.studio.worker.engines.speech;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.engines.support.NativeEngine;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.SttContext;
import gg.minis.studio.worker.natives.SttModel;
import gg.minis.studio.worker.natives.SttParams;
import gg.minis.studio.worker.natives.Transcript;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Speech to text in-process through a studio_worker.h speech backend ({@code sw_whisper} over whisper.cpp in
 * production, {@code sw_testbackend} in tests).
 *
 * <p>A job: fetch {@code inputUrl} (http(s) or {@code file:}), decode it (WAV of any common PCM/float layout in
 * Java; other formats through ffmpeg when it is installed), downmix to mono, resample to 16 kHz, resolve the
 * {@code model} file through {@link ModelFiles}, load the model unless it is resident, transcribe
 * ({@code transcribe} progress per backend step), and answer a verbose transcript in the synthetic engine's shape:
 * {@code text}, {@code language}, {@code duration} (s), {@code model}, {@code segments[{id, start, end, text,
 * words?[{word, start, end}]}]} (times in seconds). {@code language}, {@code translate}, {@code prompt} and
 * {@code timestamps = word} reach the backend; {@code vad} has no counterpart in studio_worker.h and is ignored.
 *
 * <p>Residency, failure mapping and threading as in {@link NativeEngine} and
 * {@link gg.minis.studio.worker.engines.image.StableDiffusionEngine}.
 */
public final class WhisperEngine extends NativeEngine<SttModel, SttContext> {
    public static final String ID = EngineIds.WHISPER_CPP;
    /** The production backend library. */
    public static final String LIBRARY = "sw_whisper";
    private static final Pattern LANGUAGE = Pattern.compile("[a-z]{2,3}|auto");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final AudioInput audio;
    private final boolean useGpu;

    private WhisperEngine(Builder b) {
        super(ID, TaskKind.AUDIO_STT, b);
        this.audio = new AudioInput(fetcher, b.ffmpeg);
        this.useGpu = b.useGpu;
    }

    /** An engine over {@code libraryName} (loaded on the first job with the default loader). */
    public WhisperEngine(String libraryName, ModelFiles modelFiles) {
        this(builder(modelFiles).library(libraryName));
    }

    public static Builder builder(ModelFiles modelFiles) {
        return new Builder(modelFiles);
    }

    @Override
    protected TaskResult runJob(JobClaim claim, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        SttTask task = (SttTask) claim.task();
        SttParams params = params(task);
        ModelFile file = modelFile(claim.modelSource());
        float[] pcm = audio.pcm16k(task.inputUrl(), cancel); // input first: bad audio fails before any download
        String modelId = modelId(claim, file.filename());
        SttContext ctx = openModel(modelId, claim.modelSource(), progress, cancel);
        Transcript transcript = callNative(cancel, flag -> ctx.transcribe(pcm, params,
                (step, total) -> progress.onProgress(new Progress("transcribe", step, total)), flag));
        return new JsonResult(json(transcript, pcm.length / (double) SttContext.SAMPLE_RATE, modelId,
                task.timestamps() == TimestampGranularity.WORD));
    }

    @Override
    protected SttContext openModel(String modelId, ModelSource source, ProgressListener progress,
            CancellationToken cancel) throws EngineException {
        ModelFile file = modelFile(source);
        Path path = modelFiles.resolve(TaskKind.AUDIO_STT, file, progress, cancel);
        cancel.throwIfCancelled();
        return load(new SttModel(path, threads, useGpu), modelId, progress, NativeBackend::openStt,
                e -> new EngineException("modelSource.files: cannot load model file " + file.filename() + ": "
                        + e.nativeMessage(), false, e));
    }

    private static ModelFile modelFile(ModelSource source) throws EngineException {
        List<ModelFile> files = source.files(ModelFileRole.MODEL);
        if (files.isEmpty()) {
            throw EngineException.permanent("modelSource.files has no file with role model (required for "
                    + ID + ")");
        }
        return files.getFirst();
    }

    private static SttParams params(SttTask task) throws EngineException {
        String language = task.language() == null || task.language().isBlank() ? null
                : task.language().strip().toLowerCase(Locale.ROOT);
        if (language != null && !LANGUAGE.matcher(language).matches()) {
            throw EngineException.permanent("task.language must be an ISO 639-1 code or \"auto\", got '"
                    + task.language() + "'");
        }
        return new SttParams(language, Boolean.TRUE.equals(task.translate()), task.prompt(),
                task.timestamps() == TimestampGranularity.WORD, 0);
    }

    /** The verbose-transcript JSON (the synthetic engine's shape). */
    static ObjectNode json(Transcript t, double durationSeconds, String modelId, boolean words) {
        ObjectNode root = JSON.objectNode();
        root.put("text", t.text());
        root.put("language", t.language() == null ? "" : t.language());
        root.put("duration", durationSeconds);
        root.put("model", modelId);
        ArrayNode segments = root.putArray("segments");
        int id = 0;
        for (Transcript.Segment s : t.segments()) {
            ObjectNode seg = segments.addObject();
            seg.put("id", id++);
            seg.put("start", s.t0Ms() / 1000.0);
            seg.put("end", s.t1Ms() / 1000.0);
            seg.put("text", s.text().strip());
            if (words) {
                ArrayNode list = seg.putArray("words");
                for (Transcript.Word w : s.words()) {
                    list.addObject().put("word", w.text().strip()).put("start", w.t0Ms() / 1000.0)
                            .put("end", w.t1Ms() / 1000.0);
                }
            }
        }
        return root;
    }

    /** Options beyond the library name and the model files. */
    public static final class Builder extends NativeEngine.Builder<Builder, WhisperEngine> {
        private boolean useGpu = true;
        private Supplier<Optional<Path>> ffmpeg = () -> FfmpegDecoder.onPath(System.getenv("PATH"));

        private Builder(ModelFiles modelFiles) {
            super(modelFiles, LIBRARY);
        }

        /** Run the model on the GPU when the backend has one (default true). */
        public Builder useGpu(boolean b) { this.useGpu = b; return this; }

        /** The ffmpeg executable for non-WAV audio; {@code null}: never use ffmpeg. Default: ffmpeg on PATH. */
        public Builder ffmpeg(Path executable) {
            Optional<Path> fixed = Optional.ofNullable(executable);
            this.ffmpeg = () -> fixed;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        public WhisperEngine build() {
            return new WhisperEngine(this);
        }
    }
}
