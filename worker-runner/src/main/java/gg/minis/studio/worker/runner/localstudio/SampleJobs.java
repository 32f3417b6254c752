package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TtsTask;
import java.util.List;

/** Job claims for the synthetic engine, as the demo, tests and benchmarks submit them to a {@link LocalStudio}. */
public final class SampleJobs {
    public static final String MODEL = "synthetic";

    private SampleJobs() {}

    /** An image job (binary result, multipart complete), {@code ext} webp. */
    public static JobClaim image(String jobId, String prompt) {
        return claim(jobId, ImageTask.of(prompt), "webp");
    }

    /** An LLM job (JSON result, {@code completeJson}). */
    public static JobClaim llm(String jobId, String userMessage) {
        LlmTask task = new LlmTask(List.of(new ChatMessage("user", userMessage)), null, null, null, null, null, null,
                null, null);
        return claim(jobId, task, "json");
    }

    /** A text-to-speech job (binary result, wav). */
    public static JobClaim tts(String jobId, String text) {
        return claim(jobId, TtsTask.of(text), "wav");
    }

    /** Any task on the synthetic engine. */
    public static JobClaim claim(String jobId, Task task, String ext) {
        return new JobClaim(jobId, "local-game", "asset-" + jobId, MODEL, 0.5, task,
                ModelSource.of(EngineIds.SYNTHETIC), task.promptText(), ext);
    }
}
