package gg.minis.studio.worker.api.protocol;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import gg.minis.studio.worker.api.job.JobClaim;

/** Frames the studio sends, as JSON text frames tagged by {@code type}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = StudioFrame.Welcome.class, name = "welcome"),
    @JsonSubTypes.Type(value = StudioFrame.Offer.class, name = "offer"),
    @JsonSubTypes.Type(value = StudioFrame.HeartbeatAck.class, name = "heartbeatAck"),
    @JsonSubTypes.Type(value = StudioFrame.CompleteAck.class, name = "completeAck"),
    @JsonSubTypes.Type(value = StudioFrame.FailAck.class, name = "failAck"),
    @JsonSubTypes.Type(value = StudioFrame.Error.class, name = "error"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface StudioFrame {

    /** {@code serverTime} is kept as sent (studios send an RFC 3339 string). */
    record Welcome(String workerId, String serverTime) implements StudioFrame {
        public Welcome {
            requireText(workerId, "workerId");
        }
    }

    record Offer(JobClaim claim) implements StudioFrame {
        public Offer {
            require(claim, "claim");
        }
    }

    record HeartbeatAck() implements StudioFrame {}

    record CompleteAck(String jobId) implements StudioFrame {
        public CompleteAck {
            requireText(jobId, "jobId");
        }
    }

    record FailAck(String jobId) implements StudioFrame {
        public FailAck {
            requireText(jobId, "jobId");
        }
    }

    record Error(ErrorCode code, String message) implements StudioFrame {
        public Error {
            require(code, "code");
            if (message == null) {
                message = "";
            }
        }
    }
}
