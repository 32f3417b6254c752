package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.progress.ProgressDisplay;
import java.io.PrintWriter;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.routing.MultiEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What {@code generate} and {@code transcribe} share: one job in-process with the configured engine, no studio. */
final class OneShotJob {
    private OneShotJob() {}

    /**
     * Runs {@code task} once, showing progress on {@code console}; a failed job becomes a one-line user error
     * ("{@code what} failed: ...").
     */
    static TaskResult run(Path configFile, String model, Path modelFile, Task task, PrintWriter console, String what)
            throws ConfigException {
        WorkerConfig config = new ConfigStore(configFile).loadOrCreate();
        try (Engine engine = Engines.fromConfig(config)) {
            JobClaim claim = JobClaim.local("local-" + System.currentTimeMillis(), model, task,
                    source(engine, task.kind(), modelFile));
            ProgressDisplay progress = ProgressDisplay.forConsole(console);
            try {
                return engine.run(claim, progress, CancellationToken.none());
            } catch (EngineException e) {
                throw new UserError(ExitCodes.FAILURE, what + " failed: " + e.getMessage());
            } finally {
                progress.finish();
            }
        }
    }

    /** The model source: the engine that serves the kind, and a local model file if given. */
    private static ModelSource source(Engine engine, TaskKind kind, Path modelFile) {
        String engineId = engineFor(engine, kind);
        if (modelFile == null) {
            return ModelSource.of(engineId);
        }
        if (!Files.isRegularFile(modelFile)) {
            throw new UserError(ExitCodes.USAGE, "--model-file " + modelFile + " does not exist or is not a file");
        }
        Path absolute = modelFile.toAbsolutePath();
        return new ModelSource(engineId, List.of(new ModelFile(ModelFileRole.MODEL, absolute.toUri().toString(),
                absolute.getFileName().toString(), null, null)), null);
    }

    /** With several engines (engine = auto), the id of the one that runs {@code kind}. */
    private static String engineFor(Engine engine, TaskKind kind) {
        if (engine instanceof MultiEngine multi) {
            return multi.engines().stream().filter(e -> e.kinds().contains(kind)).findFirst()
                    .map(Engine::id).orElse(engine.id());
        }
        return engine.id();
    }
}
