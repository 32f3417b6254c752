package gg.minis.studio.worker.api.registration;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

/** 2xx answer to a register request. */
public record RegisterResponse(String requestId, String status) {
    public RegisterResponse {
        requireText(requestId, "requestId");
        if (status == null) {
            status = "pending";
        }
    }
}
