package gg.minis.studio.worker.runner.localapi;

import java.util.List;
import java.util.Map;

/** What a route answers; the HTTP handler encodes it. */
public sealed interface ApiResponse {
    /** A JSON body (any value Jackson can write). */
    record Json(int status, Object body, Map<String, String> headers) implements ApiResponse {}

    /** Raw bytes, e.g. an image, with their content type. */
    record Bytes(int status, String contentType, byte[] body, Map<String, String> headers) implements ApiResponse {}

    /**
     * {@code text/event-stream}: each element is sent as one {@code data: ...} event, then {@code data: [DONE]}.
     * Sent as HTTP chunks, one per event.
     */
    record EventStream(List<String> events, Map<String, String> headers) implements ApiResponse {}

    /** {@code response}, then {@code afterSent} once it is written (e.g. shutting down after saying so). */
    record Then(ApiResponse response, Runnable afterSent) implements ApiResponse {}

    static ApiResponse ok(Object body) {
        return new Json(200, body, Map.of());
    }

    static ApiResponse json(int status, Object body) {
        return new Json(status, body, Map.of());
    }

    static ApiResponse bytes(String contentType, byte[] body, Map<String, String> headers) {
        return new Bytes(200, contentType, body, headers);
    }
}
