package gg.minis.studio.worker.runner.localapi;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The synthetic engine, except that a job whose prompt contains "block" waits for {@link #release()}, and one whose
 * prompt contains "crash" throws an unexpected exception (an engine bug).
 */
final class BlockingEngine implements Engine {
    private final SyntheticEngine synthetic = SyntheticEngine.create();
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    void release() {
        release.countDown();
    }

    /** Waits until a blocking job is inside the engine. */
    void awaitBlocked() throws InterruptedException {
        if (!entered.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("no blocking job reached the engine");
        }
    }

    @Override
    public String id() {
        return synthetic.id();
    }

    @Override
    public Set<TaskKind> kinds() {
        return synthetic.kinds();
    }

    @Override
    public List<String> models(TaskKind kind) {
        return synthetic.models(kind);
    }

    @Override
    public boolean supports(TaskKind kind, ModelSource source) {
        return synthetic.supports(kind, source);
    }

    @Override
    public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) throws EngineException {
        if (claim.fullPrompt().contains("crash")) {
            throw new IllegalStateException("engine bug for a test");
        }
        if (claim.fullPrompt().contains("block")) {
            entered.countDown();
            try {
                if (!release.await(20, TimeUnit.SECONDS)) {
                    throw EngineException.permanent("test engine never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EngineException.transientFailure("interrupted", e);
            }
        }
        return synthetic.run(claim, progress, cancel);
    }
}
