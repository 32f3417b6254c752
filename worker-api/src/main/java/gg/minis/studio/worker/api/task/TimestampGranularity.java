package gg.minis.studio.worker.api.task;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How fine the timestamps of a transcript are. */
public enum TimestampGranularity {
    SEGMENT("segment"),
    WORD("word");

    private final String wireName;

    TimestampGranularity(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static TimestampGranularity fromWire(String name) {
        for (TimestampGranularity g : values()) {
            if (g.wireName.equals(name)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown timestamps '" + name + "' (expected segment or word)");
    }
}
