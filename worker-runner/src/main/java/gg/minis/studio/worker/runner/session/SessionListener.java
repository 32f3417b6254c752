package gg.minis.studio.worker.runner.session;

import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.TaskResult;
import java.time.Duration;

/** What a session reports to the runner's UI, the demo and the console. Every method is optional and quick. */
public interface SessionListener {
    SessionListener NONE = new SessionListener() {};

    /** One listener that tells each of {@code listeners}, in order. */
    static SessionListener all(SessionListener... listeners) {
        java.util.List<SessionListener> list = java.util.List.of(listeners);
        return new SessionListener() {
            @Override
            public void onConnected(String workerId) {
                list.forEach(l -> l.onConnected(workerId));
            }

            @Override
            public void onWelcomed(String workerId) {
                list.forEach(l -> l.onWelcomed(workerId));
            }

            @Override
            public void onDisconnected(int closeCode, String reason) {
                list.forEach(l -> l.onDisconnected(closeCode, reason));
            }

            @Override
            public void onOfferRejected(JobClaim claim, String reason) {
                list.forEach(l -> l.onOfferRejected(claim, reason));
            }

            @Override
            public void onJobStarted(JobClaim claim) {
                list.forEach(l -> l.onJobStarted(claim));
            }

            @Override
            public void onJobProgress(JobClaim claim, Progress progress) {
                list.forEach(l -> l.onJobProgress(claim, progress));
            }

            @Override
            public void onJobResult(JobClaim claim, TaskResult result) {
                list.forEach(l -> l.onJobResult(claim, result));
            }

            @Override
            public void onJobFinished(JobClaim claim, Duration elapsed, String error) {
                list.forEach(l -> l.onJobFinished(claim, elapsed, error));
            }

            @Override
            public void onDelivered(String jobId, boolean accepted) {
                list.forEach(l -> l.onDelivered(jobId, accepted));
            }
        };
    }

    default void onConnected(String workerId) {}

    default void onWelcomed(String workerId) {}

    default void onDisconnected(int closeCode, String reason) {}

    default void onOfferRejected(JobClaim claim, String reason) {}

    default void onJobStarted(JobClaim claim) {}

    default void onJobProgress(JobClaim claim, Progress progress) {}

    /** The engine produced {@code result} (called on the job thread before the result is spooled; keep it quick). */
    default void onJobResult(JobClaim claim, TaskResult result) {}

    /** The engine finished; {@code error} is null on success. The result is spooled but not yet delivered. */
    default void onJobFinished(JobClaim claim, Duration elapsed, String error) {}

    /** The studio acknowledged the result of {@code jobId} (or refused it for good when {@code accepted} is false). */
    default void onDelivered(String jobId, boolean accepted) {}
}
