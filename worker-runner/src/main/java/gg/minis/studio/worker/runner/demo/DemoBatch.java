package gg.minis.studio.worker.runner.demo;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** A mixed batch covering every task kind and output format the synthetic engine produces. */
public final class DemoBatch {
    private static final ModelSource SYNTHETIC = ModelSource.of(EngineIds.SYNTHETIC);
    private static final ModelSource SYNTHETIC_SQUARE = new ModelSource(EngineIds.SYNTHETIC, List.of(),
            new CliDefaults(4.5, 8, 384, 384, "euler_a", null, null, null, null, null));

    private DemoBatch() {}

    /** {@code count} jobs cycling through the kinds, ids {@code demo-001...}. */
    public static List<JobClaim> jobs(int count) {
        List<JobClaim> jobs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            jobs.add(job(String.format("demo-%03d", i + 1), i));
        }
        return jobs;
    }

    private static JobClaim job(String id, int i) {
        return switch (i % 9) {
            case 0 -> claim(id, image("a lighthouse at dusk, watercolour", 512, 512, "webp", (long) i), SYNTHETIC);
            case 1 -> claim(id, new LlmTask(List.of(new ChatMessage("user", "Name three birds of the coast.")),
                    "You are a terse naturalist.", 64, 0.4, null, null, null, null, null), SYNTHETIC);
            case 2 -> claim(id, image("pixel-art treasure chest", 256, 256, "png", (long) i), SYNTHETIC);
            case 3 -> claim(id, TtsTask.of("Welcome back, traveller. The tide is turning."), SYNTHETIC);
            case 4 -> claim(id, new SttTask("https://assets.example/voice-" + i + ".wav", "en", false, null, null,
                    TimestampGranularity.WORD), SYNTHETIC);
            case 5 -> claim(id, ImageTask.of("isometric harbour town, morning fog"), SYNTHETIC_SQUARE);
            case 6 -> claim(id, new VideoTask("waves rolling onto a beach", null, null, 1.0, 8, 160, 96, "gif"),
                    SYNTHETIC);
            case 7 -> claim(id, new LlmTask(List.of(new ChatMessage("user", "Describe a quest as JSON.")), null,
                    128, null, null, null, schema(), null, null), SYNTHETIC);
            default -> claim(id, new VideoTask("a lantern flickering", null, null, 0.5, 12, 96, 96, "webp"),
                    SYNTHETIC);
        };
    }

    private static ImageTask image(String prompt, int width, int height, String ext, Long seed) {
        return new ImageTask(prompt, "blurry, text", null, null, null, null, null, null, seed, width, height, 12, ext);
    }

    private static JsonNode schema() {
        try {
            return WireJson.mapper().readTree("""
                    {"type":"object","properties":{"title":{"type":"string"},"reward":{"type":"integer"},
                     "steps":{"type":"array","items":{"type":"string"}},"repeatable":{"type":"boolean"}}}""");
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JobClaim claim(String id, Task task, ModelSource source) {
        String ext = switch (task) {
            case ImageTask image -> image.ext();
            case VideoTask video -> video.ext();
            case TtsTask tts -> tts.ext();
            default -> "json";
        };
        return new JobClaim(id, "demo-game", "asset-" + id, "synthetic", 0.5, task, source, task.promptText(), ext);
    }
}
