package gg.minis.studio.worker.api.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What a job produces. Wire names are snake_case. */
public enum TaskKind {
    IMAGE("image", true),
    LLM("llm", false),
    AUDIO_STT("audio_stt", false),
    AUDIO_TTS("audio_tts", true),
    VIDEO("video", true);

    private final String wireName;
    private final boolean binaryResult;

    TaskKind(String wireName, boolean binaryResult) {
        this.wireName = wireName;
        this.binaryResult = binaryResult;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Binary results go by multipart upload; the others by a {@code completeJson} frame. */
    public boolean hasBinaryResult() {
        return binaryResult;
    }

    @JsonCreator
    public static TaskKind fromWire(String name) {
        for (TaskKind kind : values()) {
            if (kind.wireName.equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown task kind '" + name + "' (expected one of "
                + Arrays.stream(values()).map(TaskKind::wireName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return wireName;
    }
}
