package gg.minis.studio.worker.runner.localstudio;

/** Where a job submitted to the {@link LocalStudio} stands. */
public enum JobStatus {
    /** Waiting for an idle worker. */
    QUEUED,
    /** Offered to a worker, no answer yet. */
    OFFERED,
    /** The worker accepted it and owes an outcome (even across a reconnect). */
    ACCEPTED,
    /** The worker rejected it (final unless {@link LocalStudio.Options#reofferRejected()}). */
    REJECTED,
    /** A result arrived ({@code completeJson} or multipart complete). */
    COMPLETED,
    /** The worker reported {@code fail}. */
    FAILED;

    /** An outcome the studio will not change by itself: {@code awaitOutcome} completes on these. */
    public boolean isFinal() {
        return this == REJECTED || this == COMPLETED || this == FAILED;
    }
}
