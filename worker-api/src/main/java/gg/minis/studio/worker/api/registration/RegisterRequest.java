package gg.minis.studio.worker.api.registration;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import gg.minis.studio.worker.api.job.WorkerCapabilities;

/** Body of {@code POST /graphics/api/workers/register-request}. Only the secret's SHA-256 leaves the machine. */
public record RegisterRequest(
        String installId, String registrationSecretHash, WorkerCapabilities capabilities, String userAgent) {
    public RegisterRequest {
        requireText(installId, "installId");
        requireText(registrationSecretHash, "registrationSecretHash");
        require(capabilities, "capabilities");
        requireText(userAgent, "userAgent");
    }
}
