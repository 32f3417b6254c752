package gg.minis.studio.worker.runner.progress;

import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.runner.session.SessionListener;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** While {@code runner run} serves the studio, one log line per job phase and at most one every few seconds. */
public final class JobProgressLog implements SessionListener {
    private static final Logger log = LoggerFactory.getLogger(JobProgressLog.class);
    private static final long INTERVAL_NANOS = Duration.ofSeconds(3).toNanos();

    private String jobId;
    private String phase;
    private long lastAt;

    @Override
    public synchronized void onJobProgress(JobClaim claim, Progress progress) {
        long now = System.nanoTime();
        boolean newPhase = !claim.jobId().equals(jobId) || !progress.phase().equals(phase);
        if (newPhase || now - lastAt >= INTERVAL_NANOS) {
            jobId = claim.jobId();
            phase = progress.phase();
            lastAt = now;
            log.info("job {}: {}", claim.jobId(), ProgressDisplay.describe(progress));
        }
    }

    @Override
    public void onJobFinished(JobClaim claim, Duration elapsed, String error) {
        if (error == null) {
            log.info("job {} finished in {} ms", claim.jobId(), String.format(Locale.ROOT, "%d", elapsed.toMillis()));
        }
    }
}
