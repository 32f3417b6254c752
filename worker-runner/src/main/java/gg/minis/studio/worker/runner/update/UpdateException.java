package gg.minis.studio.worker.runner.update;

/** An update check or download that did not work out; the message is one line for the user. */
public final class UpdateException extends Exception {
    public UpdateException(String message) {
        super(message);
    }

    public UpdateException(String message, Throwable cause) {
        super(message, cause);
    }
}
