package gg.minis.studio.worker.runner.studio;

/** Opening the studio session failed. {@link #authFailed()} means the token was refused: re-register, don't retry. */
public final class StudioConnectException extends Exception {
    private final boolean authFailed;

    public StudioConnectException(String message, boolean authFailed, Throwable cause) {
        super(message, cause);
        this.authFailed = authFailed;
    }

    public boolean authFailed() {
        return authFailed;
    }
}
