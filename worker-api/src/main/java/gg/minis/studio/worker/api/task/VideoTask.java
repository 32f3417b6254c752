package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A short clip. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VideoTask(
        String prompt,
        String negativePrompt,
        String initImageUrl,
        Double seconds,
        Integer fps,
        Integer width,
        Integer height,
        String ext) implements Task {

    public static final double DEFAULT_SECONDS = 2.0;
    public static final int DEFAULT_SIZE = 512;
    public static final String DEFAULT_EXT = "mp4";

    public VideoTask {
        require(prompt, "prompt");
        if (seconds == null) {
            seconds = DEFAULT_SECONDS;
        }
        if (width == null) {
            width = DEFAULT_SIZE;
        }
        if (height == null) {
            height = DEFAULT_SIZE;
        }
        if (ext == null) {
            ext = DEFAULT_EXT;
        }
    }

    @Override
    public TaskKind kind() {
        return TaskKind.VIDEO;
    }

    @Override
    public String promptText() {
        return prompt;
    }
}
