package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Locale;

/**
 * Typed reads of a JSON request body with 400 messages that name the field and the value, e.g.
 * {@code field 'width' must be an integer in 8..4096, got "big"}. Absent and JSON-null fields read as null.
 */
final class Fields {
    private static final int MAX_SHOWN = 80;

    private final ObjectNode body;

    Fields(ObjectNode body) {
        this.body = body;
    }

    ObjectNode body() {
        return body;
    }

    JsonNode node(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    String text(String name) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw invalid(name, "must be a string", n);
        }
        return n.textValue();
    }

    /** A string that must be present and not blank. */
    String requiredText(String name) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            throw ApiException.badRequest("missing required field '" + name + "'");
        }
        String s = text(name);
        if (s.isBlank()) {
            throw invalid(name, "must not be empty", n);
        }
        return s;
    }

    Integer integer(String name, int min, int max) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
            throw invalid(name, "must be an integer in " + min + ".." + max, n);
        }
        return n.intValue();
    }

    Long longValue(String name) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw invalid(name, "must be an integer", n);
        }
        return n.longValue();
    }

    Double number(String name, double min, double max) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isNumber() || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            throw invalid(name, "must be a number in " + min + ".." + max, n);
        }
        return n.doubleValue();
    }

    Boolean bool(String name) throws ApiException {
        JsonNode n = node(name);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            throw invalid(name, "must be true or false", n);
        }
        return n.booleanValue();
    }

    /** A string from {@code allowed} (compared case-insensitively, returned lower-case), or null when absent. */
    String choice(String name, Collection<String> allowed) throws ApiException {
        String s = text(name);
        if (s == null) {
            return null;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(lower)) {
            throw invalid(name, "must be one of " + String.join(", ", allowed), node(name));
        }
        return lower;
    }

    static ApiException invalid(String field, String rule, JsonNode value) {
        return ApiException.badRequest("field '" + field + "' " + rule + ", got " + show(value));
    }

    static String show(JsonNode value) {
        String s = value == null ? "nothing" : value.toString();
        return s.length() > MAX_SHOWN ? s.substring(0, MAX_SHOWN) + "..." : s;
    }
}
