package gg.minis.studio.worker.runner.catalog;

import java.util.Map;

/**
 * A catalog or residency request that cannot be done: an HTTP status, a stable code (as the local API's
 * {@code error}) and a human message, plus details clients may read (e.g. {@code neededGb}, {@code freeGb}).
 */
public final class ModelException extends Exception {
    public static final String UNKNOWN_MODEL = "unknown_model";
    public static final String INSUFFICIENT_MEMORY = "insufficient_memory";
    public static final String MODEL_IN_USE = "model_in_use";
    public static final String MODEL_RESIDENT = "model_resident";
    public static final String NOT_LOCAL = "not_local";
    public static final String NOT_LOADABLE = "not_loadable";
    public static final String MODEL_DISABLED = "model_disabled";
    public static final String BUSY = "busy";

    private final int status;
    private final String code;
    private final Map<String, Object> details;

    public ModelException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public ModelException(int status, String code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = Map.copyOf(details);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }
}
