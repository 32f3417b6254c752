package gg.minis.studio.worker.natives;

import gg.minis.studio.worker.natives.ffi.StudioWorker;

/** The {@code sw_status} codes of studio_worker.h. */
public enum SwStatus {
    OK(StudioWorker.SW_OK()),
    INVALID_ARGUMENT(StudioWorker.SW_ERR_INVALID_ARGUMENT()),
    MODEL_LOAD(StudioWorker.SW_ERR_MODEL_LOAD()),
    OUT_OF_MEMORY(StudioWorker.SW_ERR_OUT_OF_MEMORY()),
    CANCELLED(StudioWorker.SW_ERR_CANCELLED()),
    BACKEND(StudioWorker.SW_ERR_BACKEND()),
    UNSUPPORTED(StudioWorker.SW_ERR_UNSUPPORTED()),
    /** A code this version of the bindings does not know (treated like {@link #BACKEND}). */
    UNKNOWN(-1);

    private final int code;

    SwStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static SwStatus of(int code) {
        for (SwStatus s : values()) {
            if (s.code == code && s != UNKNOWN) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
