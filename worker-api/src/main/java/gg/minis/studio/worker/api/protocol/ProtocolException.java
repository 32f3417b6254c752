package gg.minis.studio.worker.api.protocol;

/** The studio sent something the protocol does not allow. The message is one line, naming the field and value. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
