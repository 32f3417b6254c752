package gg.minis.studio.worker.runner.localstudio;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.job.JobClaim;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of one job as the {@link LocalStudio} saw it. Results keep the first delivery; later deliveries only
 * raise {@link #completionCount()} / {@link #failCount()}, so a test can assert exactly-once delivery with
 * {@code completionCount() + failCount() == 1}. {@code bytes} is shared with the studio: do not modify it.
 *
 * @param workerId       the worker it was last offered to (null while never offered)
 * @param offerCount     how many times it was offered (more than one after a re-offer)
 * @param rejections     every rejection reason, in order
 * @param result         the {@code completeJson.result}, else null
 * @param bytes          the uploaded file of a multipart complete, else null
 * @param ext            the multipart {@code ext} part
 * @param filename       the file part's filename as sent
 * @param contentType    the file part's content type as sent
 * @param prompt         the prompt reported with the result (completeJson or multipart)
 * @param error          the {@code fail.error}
 * @param completedAt    when the outcome (complete, fail or final reject) arrived
 */
public record JobRecord(
        String jobId,
        JobClaim claim,
        JobStatus status,
        String workerId,
        int offerCount,
        List<String> rejections,
        JsonNode result,
        byte[] bytes,
        String ext,
        String filename,
        String contentType,
        String prompt,
        String error,
        boolean retryable,
        int completionCount,
        int failCount,
        Instant submittedAt,
        Instant offeredAt,
        Instant acceptedAt,
        Instant completedAt) {

    public JobRecord {
        rejections = List.copyOf(rejections);
    }

    /** The last rejection reason, or null. */
    public String rejectionReason() {
        return rejections.isEmpty() ? null : rejections.getLast();
    }

    /** Complete and fail deliveries together: 1 for an exactly-once outcome. */
    public int outcomeCount() {
        return completionCount + failCount;
    }

    /** Offer sent to outcome received, when both happened. */
    public Optional<Duration> offerToOutcome() {
        return offeredAt == null || completedAt == null
                ? Optional.empty()
                : Optional.of(Duration.between(offeredAt, completedAt));
    }

    @Override
    public String toString() {
        return "JobRecord[" + jobId + " " + status + (workerId == null ? "" : " worker=" + workerId)
                + " offers=" + offerCount + " completions=" + completionCount + " fails=" + failCount
                + (bytes == null ? "" : " bytes=" + bytes.length + " ext=" + ext)
                + (rejections.isEmpty() ? "" : " rejected='" + rejectionReason() + "'")
                + (error == null ? "" : " error='" + error + "' retryable=" + retryable) + "]";
    }
}
