package gg.minis.studio.worker.api.engine;

/** The job was cancelled (shutdown, watchdog, operator) before it finished. Retryable: the job itself was fine. */
public final class JobCancelledException extends EngineException {
    public JobCancelledException(String reason) {
        super("cancelled: " + reason, true);
    }
}
