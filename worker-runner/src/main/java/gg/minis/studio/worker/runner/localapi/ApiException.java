package gg.minis.studio.worker.runner.localapi;

import java.util.Map;

/**
 * A request the local API answers with an error: an HTTP status, a stable machine-readable {@code code} and a human
 * message, sent as {@code {"error": code, "message": message}}.
 */
public final class ApiException extends Exception {
    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public ApiException(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public ApiException(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Extra response headers, e.g. {@code Retry-After}. */
    public Map<String, String> headers() {
        return headers;
    }

    /** 400 {@code bad_request}; the message names the field and the value. */
    public static ApiException badRequest(String message) {
        return new ApiException(400, ErrorCodes.BAD_REQUEST, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, ErrorCodes.NOT_FOUND, message);
    }

    public static ApiException busy(String message, int retryAfterSeconds) {
        return new ApiException(503, ErrorCodes.BUSY, message,
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
