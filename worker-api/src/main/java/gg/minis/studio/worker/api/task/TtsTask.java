package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Text to speech. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TtsTask(String text, String voice, Double speed, String language, String ext) implements Task {
    public static final String DEFAULT_VOICE = "default";
    public static final String DEFAULT_EXT = "wav";

    public TtsTask {
        require(text, "text");
        if (voice == null) {
            voice = DEFAULT_VOICE;
        }
        if (ext == null) {
            ext = DEFAULT_EXT;
        }
    }

    public static TtsTask of(String text) {
        return new TtsTask(text, null, null, null, null);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.AUDIO_TTS;
    }

    @Override
    public String promptText() {
        return text;
    }
}
