package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.api.job.WorkerCapabilities;
import java.time.Instant;

/**
 * A register request as the {@link LocalStudio} holds it.
 *
 * @param workerId  set once approved
 * @param reason    set once rejected (may be null then too)
 * @param pollCount authenticated polls so far
 */
public record RegistrationRecord(
        String requestId,
        String installId,
        State state,
        WorkerCapabilities capabilities,
        String userAgent,
        String workerId,
        String reason,
        int submitCount,
        int pollCount,
        Instant createdAt) {

    public enum State { PENDING, APPROVED, REJECTED }
}
