package gg.minis.studio.worker.natives;

import java.io.Serial;

/** A backend call failed; carries the {@code sw_status} code and the backend's message. */
public final class NativeException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final SwStatus status;
    private final int code;
    private final String nativeMessage;

    public NativeException(int code, String nativeMessage) {
        this(code, nativeMessage, null);
    }

    public NativeException(int code, String nativeMessage, Throwable cause) {
        super(SwStatus.of(code) + " (" + code + "): " + nativeMessage, cause);
        this.status = SwStatus.of(code);
        this.code = code;
        this.nativeMessage = nativeMessage;
    }

    /** The status; {@link SwStatus#UNKNOWN} when the code is not one this version knows ({@link #code()} has it). */
    public SwStatus status() {
        return status;
    }

    /** The raw {@code sw_status} value. */
    public int code() {
        return code;
    }

    /** The message the backend put into {@code sw_error.message}. */
    public String nativeMessage() {
        return nativeMessage;
    }

    public boolean isCancelled() {
        return status == SwStatus.CANCELLED;
    }
}
