package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Speech to text of the audio at {@code inputUrl}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SttTask(
        String inputUrl,
        String language,
        Boolean translate,
        String prompt,
        Boolean vad,
        TimestampGranularity timestamps) implements Task {

    public SttTask {
        require(inputUrl, "inputUrl");
    }

    public static SttTask of(String inputUrl) {
        return new SttTask(inputUrl, null, null, null, null, null);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.AUDIO_STT;
    }

    @Override
    public String promptText() {
        return prompt != null ? prompt : inputUrl;
    }
}
