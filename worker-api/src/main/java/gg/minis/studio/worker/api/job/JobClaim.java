package gg.minis.studio.worker.api.job;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TaskKind;

/**
 * A job the studio offers. {@code task} and {@code modelSource} are required; {@code prompt} and {@code ext} are
 * legacy fields kept for old studios (defaults {@code ""} and {@code "webp"}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobClaim(
        String jobId,
        String gameId,
        String assetName,
        String model,
        double vramGbEstimate,
        Task task,
        ModelSource modelSource,
        String prompt,
        String ext) {

    public JobClaim {
        requireText(jobId, "jobId");
        require(task, "task");
        require(modelSource, "modelSource");
        if (prompt == null) {
            prompt = "";
        }
        if (ext == null) {
            ext = "webp";
        }
    }

    /** A claim for local use (one-shot commands, benchmarks, embedding) with no studio bookkeeping. */
    public static JobClaim local(String jobId, String model, Task task, ModelSource source) {
        return new JobClaim(jobId, null, null, model, 0, task, source, null, null);
    }

    @JsonIgnore
    public TaskKind kind() {
        return task.kind();
    }

    /** The full prompt reported with the result: the task's own text, else the legacy field. */
    @JsonIgnore
    public String fullPrompt() {
        String text = task.promptText();
        return text == null || text.isEmpty() ? prompt : text;
    }
}
