package gg.minis.studio.worker.api.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Codes of the studio's {@code error} frame; each maps 1:1 to a WebSocket close code. */
public enum ErrorCode {
    AUTH_FAILED("auth_failed", CloseCodes.AUTH_FAILED),
    PROTOCOL_VIOLATION("protocol_violation", CloseCodes.PROTOCOL_VIOLATION),
    DUPLICATE_WORKER("duplicate_worker", CloseCodes.DUPLICATE_WORKER),
    WORKER_DELETED("worker_deleted", CloseCodes.WORKER_DELETED),
    INTERNAL_ERROR("internal_error", CloseCodes.NORMAL);

    private final String wireName;
    private final int closeCode;

    ErrorCode(String wireName, int closeCode) {
        this.wireName = wireName;
        this.closeCode = closeCode;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    public int closeCode() {
        return closeCode;
    }

    /** Unknown codes from a newer studio are treated as {@link #INTERNAL_ERROR}: fatal for the session, not a crash. */
    @JsonCreator
    public static ErrorCode fromWire(String name) {
        for (ErrorCode code : values()) {
            if (code.wireName.equals(name)) {
                return code;
            }
        }
        return INTERNAL_ERROR;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
