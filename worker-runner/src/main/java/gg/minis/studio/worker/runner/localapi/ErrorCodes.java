package gg.minis.studio.worker.runner.localapi;

/** The stable {@code error} codes of the local API. Clients branch on these; messages are for humans. */
public final class ErrorCodes {
    /** 400: a field is missing or has a bad value; the message names the field and the value. */
    public static final String BAD_REQUEST = "bad_request";
    /** 400: the request names a model this worker does not serve. */
    public static final String UNKNOWN_MODEL = "unknown_model";
    /** 401: no or wrong bearer token. */
    public static final String UNAUTHORIZED = "unauthorized";
    /** 403: the Host or Origin is not loopback (DNS rebinding, cross-site requests). */
    public static final String FORBIDDEN_ORIGIN = "forbidden_origin";
    /** 404: no such route or resource. */
    public static final String NOT_FOUND = "not_found";
    /** 405: the route exists with other methods (listed in {@code Allow}). */
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    /** 413: the body is over the limit (1 MiB). */
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    /** 503: the engine runs another job, or the worker is shutting down; see {@code Retry-After}. */
    public static final String BUSY = "busy";
    /** 500 (or 422 for a permanent failure): the engine failed the job. */
    public static final String ENGINE_ERROR = "engine_error";
    /** 500: a bug; logged with its stack trace. */
    public static final String INTERNAL_ERROR = "internal_error";

    private ErrorCodes() {}
}
