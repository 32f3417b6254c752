package gg.minis.studio.worker.api.protocol;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import java.util.List;

/** Frames the worker sends, as JSON text frames tagged by {@code type}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = WorkerFrame.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = WorkerFrame.Heartbeat.class, name = "heartbeat"),
    @JsonSubTypes.Type(value = WorkerFrame.Accept.class, name = "accept"),
    @JsonSubTypes.Type(value = WorkerFrame.Reject.class, name = "reject"),
    @JsonSubTypes.Type(value = WorkerFrame.CompleteJson.class, name = "completeJson"),
    @JsonSubTypes.Type(value = WorkerFrame.Fail.class, name = "fail"),
    @JsonSubTypes.Type(value = WorkerFrame.LogBatch.class, name = "logBatch"),
    @JsonSubTypes.Type(value = WorkerFrame.ReadyForMore.class, name = "readyForMore"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface WorkerFrame {

    /** First frame after the upgrade. */
    record Hello(String authToken, WorkerCapabilities capabilities) implements WorkerFrame {
        public Hello {
            requireText(authToken, "authToken");
            require(capabilities, "capabilities");
        }

        @Override
        public String toString() {
            return "Hello[authToken=<redacted>, capabilities=" + capabilities + "]";
        }
    }

    record Heartbeat(WorkerCapabilities capabilities, String currentJobId) implements WorkerFrame {
        public Heartbeat {
            require(capabilities, "capabilities");
        }
    }

    record Accept(String jobId) implements WorkerFrame {
        public Accept {
            requireText(jobId, "jobId");
        }
    }

    record Reject(String jobId, String reason) implements WorkerFrame {
        public Reject {
            requireText(jobId, "jobId");
            require(reason, "reason");
        }
    }

    record CompleteJson(String jobId, JsonNode result, String prompt) implements WorkerFrame {
        public CompleteJson {
            requireText(jobId, "jobId");
            require(result, "result");
        }
    }

    record Fail(String jobId, String error, boolean retryable) implements WorkerFrame {
        public Fail {
            requireText(jobId, "jobId");
            require(error, "error");
        }
    }

    record LogBatch(List<LogEntry> entries) implements WorkerFrame {
        public LogBatch {
            entries = List.copyOf(require(entries, "entries"));
        }
    }

    record ReadyForMore() implements WorkerFrame {}
}
