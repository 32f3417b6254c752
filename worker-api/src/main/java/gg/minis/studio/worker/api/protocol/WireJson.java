package gg.minis.studio.worker.api.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import gg.minis.studio.worker.api.job.JobClaim;
import java.io.UncheckedIOException;

/**
 * The one JSON mapping of the wire contract. Unknown fields are ignored (forward compatibility); a missing required
 * field, an unknown tag or a bad value becomes a {@link ProtocolException} whose one-line message names the JSON path
 * and the value, e.g. {@code invalid offer: missing required field 'claim.task'}.
 */
public final class WireJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
            .build();

    private WireJson() {}

    /** The shared, thread-safe mapper. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String encode(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public static byte[] encodeBytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    public static StudioFrame decodeStudioFrame(String json) throws ProtocolException {
        return decode(json, StudioFrame.class, "studio frame");
    }

    public static WorkerFrame decodeWorkerFrame(String json) throws ProtocolException {
        return decode(json, WorkerFrame.class, "worker frame");
    }

    public static JobClaim decodeClaim(String json) throws ProtocolException {
        return decode(json, JobClaim.class, "job claim");
    }

    /** Decodes {@code json} as {@code type}; {@code what} names the thing in the error ("offer", "config"). */
    public static <T> T decode(String json, Class<T> type, String what) throws ProtocolException {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonMappingException e) {
            throw new ProtocolException("invalid " + what + ": " + describe(e), e);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("invalid " + what + ": not JSON (" + e.getOriginalMessage() + ")", e);
        }
    }

    /** A one-line account of a mapping failure: where (dotted path) and what. */
    public static String describe(JsonMappingException e) {
        String path = path(e);
        Throwable cause = e.getCause();
        if (cause instanceof MissingFieldException missing) {
            return "missing required field '" + join(path, missing.field()) + "'";
        }
        if (e instanceof InvalidTypeIdException typeId) {
            String tag = typeId.getBaseType() == null ? "type" : tagName(typeId.getBaseType().getRawClass());
            String at = join(path, tag);
            return typeId.getTypeId() == null
                    ? "missing required field '" + at + "'"
                    : "unknown " + at + " '" + typeId.getTypeId() + "'";
        }
        if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            return (path.isEmpty() ? "" : "field '" + path + "': ") + iae.getMessage();
        }
        String message = e.getOriginalMessage();
        int cut = message.indexOf('\n');
        if (cut > 0) {
            message = message.substring(0, cut);
        }
        return (path.isEmpty() ? "" : "field '" + path + "': ") + message;
    }

    private static String tagName(Class<?> base) {
        var info = base.getAnnotation(com.fasterxml.jackson.annotation.JsonTypeInfo.class);
        return info == null ? "type" : info.property();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
