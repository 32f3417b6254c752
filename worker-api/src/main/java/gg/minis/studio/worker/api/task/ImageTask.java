package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.annotation.JsonInclude;
import gg.minis.studio.worker.api.job.CliDefaults;

/**
 * Text-to-image (optionally img2img, inpaint or reference edit). Size, steps, cfg and sampler stay null when the job
 * leaves them out, because the model's {@link CliDefaults} fill them before the protocol defaults do; see
 * {@link #resolve(CliDefaults)}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageTask(
        String prompt,
        String negativePrompt,
        String initImageUrl,
        String maskUrl,
        String refImageUrl,
        Double denoise,
        Double cfgScale,
        String samplingMethod,
        Long seed,
        Integer width,
        Integer height,
        Integer steps,
        String ext) implements Task {

    public static final int DEFAULT_SIZE = 512;
    public static final int DEFAULT_STEPS = 20;
    public static final String DEFAULT_EXT = "webp";

    public ImageTask {
        require(prompt, "prompt");
        if (ext == null) {
            ext = DEFAULT_EXT;
        }
    }

    /** A plain text-to-image task with every other field left to the defaults. */
    public static ImageTask of(String prompt) {
        return new ImageTask(prompt, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.IMAGE;
    }

    @Override
    public String promptText() {
        return prompt;
    }

    /** Per-job values win over the model's cliDefaults, which win over the protocol defaults. */
    public ImageParams resolve(CliDefaults defaults) {
        CliDefaults d = defaults == null ? CliDefaults.NONE : defaults;
        return new ImageParams(
                prompt,
                negativePrompt == null ? "" : negativePrompt,
                first(width, d.width(), DEFAULT_SIZE),
                first(height, d.height(), DEFAULT_SIZE),
                first(steps, d.steps(), DEFAULT_STEPS),
                cfgScale != null ? cfgScale : d.cfgScale(),
                samplingMethod != null ? samplingMethod : d.samplingMethod(),
                seed,
                denoise,
                initImageUrl,
                maskUrl,
                refImageUrl,
                ext);
    }

    private static int first(Integer job, Integer model, int fallback) {
        return job != null ? job : model != null ? model : fallback;
    }
}
