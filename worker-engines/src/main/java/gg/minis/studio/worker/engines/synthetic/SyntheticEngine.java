package gg.minis.studio.worker.engines.synthetic;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.engine.ResidentModels;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Valid, deterministic output for every task kind with no native code and no model files: the default engine, so
 * the worker, the demo and the tests run anywhere. The same claim always gives the same bytes.
 *
 * <p>By default it serves only {@code modelSource.engine = "synthetic"}; {@link #standIn()} serves any engine id,
 * for load tests and demos that replay real job shapes.
 *
 * <p>Residency ({@link ResidentModels}) is bookkeeping only: a loaded model is remembered as resident, nothing is
 * held in memory, and any number of models may be resident at once.
 */
public final class SyntheticEngine implements Engine, ResidentModels {
    public static final String MODEL_ID = "synthetic";

    private final boolean standIn;
    private final Set<String> resident = ConcurrentHashMap.newKeySet();

    private SyntheticEngine(boolean standIn) {
        this.standIn = standIn;
    }

    /** Serves jobs whose {@code modelSource.engine} is {@code synthetic}. */
    public static SyntheticEngine create() {
        return new SyntheticEngine(false);
    }

    /** Serves every job, whatever engine the studio asked for. Never use this against a production studio. */
    public static SyntheticEngine standIn() {
        return new SyntheticEngine(true);
    }

    @Override
    public String id() {
        return EngineIds.SYNTHETIC;
    }

    @Override
    public Set<TaskKind> kinds() {
        return EnumSet.allOf(TaskKind.class);
    }

    @Override
    public List<String> models(TaskKind kind) {
        return List.of(MODEL_ID);
    }

    @Override
    public boolean supports(TaskKind kind, ModelSource source) {
        return standIn || EngineIds.SYNTHETIC.equals(source.engine());
    }

    @Override
    public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) throws EngineException {
        cancel.throwIfCancelled();
        TaskResult result = switch (claim.task()) {
            case ImageTask image -> SyntheticImages.generate(claim, image, progress, cancel);
            case VideoTask video -> SyntheticImages.animate(claim, video, progress, cancel);
            case LlmTask llm -> SyntheticText.chatCompletion(claim, llm);
            case SttTask stt -> SyntheticText.transcript(claim, stt);
            case TtsTask tts -> SyntheticAudio.speak(tts);
        };
        progress.onProgress(new Progress("done", 1, 1));
        return result;
    }

    @Override
    public int capacity() {
        return Integer.MAX_VALUE;
    }

    @Override
    public boolean canLoad(TaskKind kind, ModelSource source) {
        return supports(kind, source);
    }

    @Override
    public void load(String modelId, TaskKind kind, ModelSource source, CancellationToken cancel)
            throws EngineException {
        cancel.throwIfCancelled();
        if (!canLoad(kind, source)) {
            throw EngineException.permanent(id() + " cannot load " + kind + " model '" + modelId
                    + "' with modelSource.engine '" + source.engine() + "'");
        }
        resident.add(modelId);
    }

    @Override
    public void unload(String modelId) {
        resident.remove(modelId);
    }

    @Override
    public State state(String modelId) {
        return resident.contains(modelId) ? State.RESIDENT : State.ON_DISK;
    }
}
