package gg.minis.studio.worker.api.task;

/**
 * An {@link ImageTask} with defaults applied. {@code cfgScale}, {@code samplingMethod} and {@code seed} stay null
 * when neither the job nor the model set them: the engine then uses its own default (and a random seed).
 */
public record ImageParams(
        String prompt,
        String negativePrompt,
        int width,
        int height,
        int steps,
        Double cfgScale,
        String samplingMethod,
        Long seed,
        Double denoise,
        String initImageUrl,
        String maskUrl,
        String refImageUrl,
        String ext) {}
