package gg.minis.studio.worker.api.engine;

/**
 * A job failed inside an engine. The message is for humans (it is sent to the studio as {@code fail.error});
 * {@code retryable} says whether the same job may succeed on a later try (transient causes: network, busy device,
 * cancellation by a watchdog) or never will (bad input, unsupported request).
 */
public class EngineException extends Exception {
    private final boolean retryable;

    public EngineException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public EngineException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Bad input or an unsupported request: retrying the same job cannot help. */
    public static EngineException permanent(String message) {
        return new EngineException(message, false);
    }

    /** A transient cause: the studio may offer the job again. */
    public static EngineException transientFailure(String message, Throwable cause) {
        return new EngineException(message, true, cause);
    }

    public boolean retryable() {
        return retryable;
    }
}
