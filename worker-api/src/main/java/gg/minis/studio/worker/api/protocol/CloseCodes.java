package gg.minis.studio.worker.api.protocol;

/** WebSocket close codes of the studio protocol. */
public final class CloseCodes {
    public static final int NORMAL = 1000;
    public static final int AUTH_FAILED = 4001;
    public static final int PROTOCOL_VIOLATION = 4002;
    public static final int DUPLICATE_WORKER = 4003;
    public static final int WORKER_DELETED = 4004;

    private CloseCodes() {}

    /** A human name for logs: {@code 4003 (duplicate worker)}. */
    public static String describe(int code) {
        String name = switch (code) {
            case NORMAL -> "normal";
            case AUTH_FAILED -> "auth failed";
            case PROTOCOL_VIOLATION -> "protocol violation";
            case DUPLICATE_WORKER -> "duplicate worker";
            case WORKER_DELETED -> "worker deleted";
            default -> "unknown";
        };
        return code + " (" + name + ")";
    }
}
