package gg.minis.studio.worker.api.protocol;

/**
 * A required wire field was absent or null. Thrown from record constructors so that Jackson reports it with the
 * JSON path of the enclosing object; {@link WireJson} turns that into a one-line {@link ProtocolException}.
 */
public final class MissingFieldException extends IllegalArgumentException {
    private final String field;

    public MissingFieldException(String field) {
        super("missing required field '" + field + "'");
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** Returns {@code value}, or throws naming {@code field} when it is null. */
    public static <T> T require(T value, String field) {
        if (value == null) {
            throw new MissingFieldException(field);
        }
        return value;
    }

    /** Like {@link #require} but also refuses blank strings. */
    public static String requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new MissingFieldException(field);
        }
        return value;
    }
}
