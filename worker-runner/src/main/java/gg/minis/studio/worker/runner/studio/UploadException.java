package gg.minis.studio.worker.runner.studio;

/** A result upload failed. {@link #retryable()} is true for network errors, timeouts, 408, 429 and 5xx. */
public final class UploadException extends Exception {
    private final int status;
    private final boolean retryable;

    public UploadException(String message, int status, boolean retryable, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.retryable = retryable;
    }

    /** The HTTP status, or 0 when no response came. */
    public int status() {
        return status;
    }

    public boolean retryable() {
        return retryable;
    }

    static boolean retryableStatus(int status) {
        return status == 408 || status == 425 || status == 429 || status >= 500;
    }
}
