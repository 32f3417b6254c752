package gg.minis.studio.worker.api.task;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** The work inside a job claim, tagged on the wire by {@code kind} with its parameters beside it. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ImageTask.class, name = "image"),
    @JsonSubTypes.Type(value = LlmTask.class, name = "llm"),
    @JsonSubTypes.Type(value = SttTask.class, name = "audio_stt"),
    @JsonSubTypes.Type(value = TtsTask.class, name = "audio_tts"),
    @JsonSubTypes.Type(value = VideoTask.class, name = "video"),
})
public sealed interface Task permits ImageTask, LlmTask, SttTask, TtsTask, VideoTask {
    @JsonIgnore
    TaskKind kind();

    /** The text that describes the job to a human, sent back as the result's {@code prompt}. */
    @JsonIgnore
    String promptText();
}
