package gg.minis.studio.worker.runner.localstudio;

import java.time.Instant;

/**
 * Something the {@link LocalStudio} saw or did, in order ({@code seq} grows by one per event).
 *
 * @param sessionId 0 for events outside a WebSocket session (HTTP)
 * @param type      the frame type ({@code hello}, {@code welcome}, ...), {@code binary}, {@code invalid}, a close code
 *                  as text, or {@code METHOD /path} for HTTP
 * @param detail    the frame text (hello's authToken redacted), a close reason or an HTTP status; may be null
 */
public record StudioEvent(
        long seq, Instant at, long nanoTime, int sessionId, String workerId, Kind kind, String type, String detail) {

    public enum Kind {
        /** A WebSocket upgrade succeeded. */
        CONNECTED,
        /** A frame from the worker. */
        RECEIVED,
        /** A frame to the worker. */
        SENT,
        /** The studio sent a close frame; {@code type} is the code. */
        CLOSE_SENT,
        /** The worker sent a close frame; {@code type} is the code. */
        CLOSE_RECEIVED,
        /** The TCP connection of a session ended. */
        DISCONNECTED,
        /** An HTTP request was answered; {@code detail} is the status. */
        HTTP,
        /** An upgrade was refused or left unanswered on purpose (fault switch). */
        REFUSED
    }

    public boolean is(Kind kind, String type) {
        return this.kind == kind && type.equals(this.type);
    }
}
