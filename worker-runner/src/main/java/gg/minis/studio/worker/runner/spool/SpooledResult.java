package gg.minis.studio.worker.runner.spool;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * A finished job waiting for the studio's acknowledgement. Exactly one of the three outcomes: a binary result
 * (payload on disk, uploaded by multipart), a JSON result ({@code completeJson}), or a failure ({@code fail}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SpooledResult(
        String jobId,
        String workerId,
        Outcome outcome,
        String prompt,
        String ext,
        JsonNode json,
        String error,
        Boolean retryable,
        String payloadSha256,
        long payloadBytes,
        String createdAt,
        int deliveryAttempts,
        @JsonIgnore Path payload) {

    public enum Outcome { BINARY, JSON, FAILURE }

    SpooledResult withPayload(Path path) {
        return new SpooledResult(jobId, workerId, outcome, prompt, ext, json, error, retryable, payloadSha256,
                payloadBytes, createdAt, deliveryAttempts, path);
    }

    SpooledResult withDeliveryAttempts(int attempts) {
        return new SpooledResult(jobId, workerId, outcome, prompt, ext, json, error, retryable, payloadSha256,
                payloadBytes, createdAt, attempts, payload);
    }
}
