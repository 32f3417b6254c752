package gg.minis.studio.worker.runner.registration;

/**
 * What the worker knows about its registration, persisted after every change. The phase is derived, so the stored
 * fields can never disagree with it.
 */
public record RegistrationState(
        String installId,
        String registrationSecret,
        String requestId,
        String workerId,
        String authToken,
        String rejectedReason) {

    public enum Phase { PRISTINE, PENDING, APPROVED, REJECTED }

    /** Stored when the studio rejected without saying why (an empty value would read as "not rejected"). */
    public static final String NO_REASON = "(no reason given)";

    public static final RegistrationState EMPTY = new RegistrationState(null, null, null, null, null, null);

    public Phase phase() {
        if (workerId != null && authToken != null) {
            return Phase.APPROVED;
        }
        if (rejectedReason != null) {
            return Phase.REJECTED;
        }
        return requestId != null ? Phase.PENDING : Phase.PRISTINE;
    }

    public RegistrationState withIdentity(String newInstallId, String newSecret) {
        return new RegistrationState(newInstallId, newSecret, requestId, workerId, authToken, rejectedReason);
    }

    public RegistrationState pending(String newRequestId) {
        return new RegistrationState(installId, registrationSecret, newRequestId, null, null, null);
    }

    /** Approved: the request id and secret have done their job and are cleared. */
    public RegistrationState approved(String newWorkerId, String newAuthToken) {
        return new RegistrationState(installId, null, null, newWorkerId, newAuthToken, null);
    }

    /** Rejected: remembered (reason may be empty) until the user resets. */
    public RegistrationState rejected(String reason) {
        return new RegistrationState(installId, null, null, null, null,
                reason == null || reason.isBlank() ? NO_REASON : reason);
    }

    /** The studio forgot the request (404): back to pristine; a fresh secret comes with the next request. */
    public RegistrationState forgotten() {
        return new RegistrationState(installId, null, null, null, null, null);
    }

    /** Everything but the install id, which identifies this machine for life. */
    public RegistrationState reset() {
        return new RegistrationState(installId, null, null, null, null, null);
    }

    @Override
    public String toString() {
        return "RegistrationState[phase=" + phase() + ", installId=" + installId + ", requestId=" + requestId
                + ", workerId=" + workerId + ", secret=" + (registrationSecret == null ? "<unset>" : "<set>")
                + ", authToken=" + (authToken == null ? "<unset>" : "<set>") + "]";
    }
}
