package gg.minis.studio.worker.runner.console;

/** A console failure the user reads as one line (no stack trace; the debug log has the cause). */
public class ConsoleException extends Exception {
    public ConsoleException(String message) {
        super(message);
    }

    public ConsoleException(String message, Throwable cause) {
        super(message, cause);
    }
}
