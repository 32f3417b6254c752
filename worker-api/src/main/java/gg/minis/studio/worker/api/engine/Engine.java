package gg.minis.studio.worker.api.engine;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.List;
import java.util.Set;

/**
 * Runs jobs in-process. An engine may keep models loaded between jobs (that is the point of running in-process);
 * {@link #close()} releases them. Engines are called from one job thread at a time unless they say otherwise.
 */
public interface Engine extends AutoCloseable {
    /** A short stable id, e.g. {@code synthetic}, {@code sd-cpp}; reported as the worker's {@code engine}. */
    String id();

    /** The task kinds this engine can run at all. */
    Set<TaskKind> kinds();

    /** Model ids this engine can serve per kind, for capabilities ({@code supportedModelsPerKind}). */
    default List<String> models(TaskKind kind) {
        return List.of();
    }

    /** Whether this engine can run a job of {@code kind} from {@code source}. */
    boolean supports(TaskKind kind, ModelSource source);

    /**
     * Runs one job to completion.
     *
     * @throws EngineException with a human message and an honest {@code retryable}
     */
    TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) throws EngineException;

    @Override
    default void close() {}
}
