package gg.minis.studio.worker.api.registration;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** Answer to polling a register request, tagged by {@code status}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "status")
@JsonSubTypes({
    @JsonSubTypes.Type(value = RegistrationStatus.Pending.class, name = "pending"),
    @JsonSubTypes.Type(value = RegistrationStatus.Approved.class, name = "approved"),
    @JsonSubTypes.Type(value = RegistrationStatus.Rejected.class, name = "rejected"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface RegistrationStatus {
    record Pending() implements RegistrationStatus {}

    record Approved(String workerId, String authToken) implements RegistrationStatus {
        public Approved {
            requireText(workerId, "workerId");
            requireText(authToken, "authToken");
        }

        @Override
        public String toString() {
            return "Approved[workerId=" + workerId + ", authToken=<redacted>]";
        }
    }

    /** {@code reason} may be absent. */
    record Rejected(String reason) implements RegistrationStatus {}
}
