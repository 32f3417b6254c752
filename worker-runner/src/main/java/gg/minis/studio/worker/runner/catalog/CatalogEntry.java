package gg.minis.studio.worker.runner.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One model of the catalog ({@code models.json}): what it is called, which task kind it serves, how much memory it
 * needs when resident, and where its files come from.
 *
 * @param origin {@link Origin#LOCAL} for entries an operator added; {@link Origin#STUDIO} for models mirrored from
 *               job offers (never overwriting a local entry with the same id)
 */
public record CatalogEntry(String id, String displayName, TaskKind kind, double vramGbEstimate, ModelSource source,
        boolean enabled, Origin origin) {

    /** Where an entry came from. */
    public enum Origin {
        LOCAL,
        STUDIO;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Ids are path segments of the local API: letters, digits and {@code . _ - : @ +}, 1..128 characters. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+\\-]{0,127}");

    public CatalogEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(origin, "origin");
        displayName = displayName == null || displayName.isBlank() ? id : displayName;
    }

    /** A model the studio offered a job for. */
    public static CatalogEntry fromClaim(JobClaim claim) {
        return new CatalogEntry(claim.model(), claim.model(), claim.kind(), Math.max(0, claim.vramGbEstimate()),
                claim.modelSource(), true, Origin.STUDIO);
    }

    /** A field that is missing or wrong; the message names it and the value. */
    public static final class InvalidField extends Exception {
        private final String field;

        InvalidField(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /**
     * Reads an entry from JSON (a {@code POST /models} body or a line of {@code models.json}). {@code origin} is
     * taken from the JSON when {@code forcedOrigin} is null.
     */
    public static CatalogEntry fromJson(JsonNode node, Origin forcedOrigin) throws InvalidField {
        if (!(node instanceof ObjectNode o)) {
            throw new InvalidField("model", "a model entry must be a JSON object, got " + show(node));
        }
        String id = text(o, "id", true);
        if (!ID.matcher(id).matches()) {
            throw invalid("id", "must be 1..128 letters, digits or . _ - : @ + (starting with a letter or digit)",
                    o.get("id"));
        }
        String displayName = text(o, "displayName", false);
        String kindText = text(o, "kind", true);
        TaskKind kind;
        try {
            kind = TaskKind.fromWire(kindText);
        } catch (IllegalArgumentException e) {
            throw invalid("kind", "must be one of image, llm, audio_stt, audio_tts, video", o.get("kind"));
        }
        double vram = 0;
        JsonNode v = o.get("vramGbEstimate");
        if (v != null && !v.isNull()) {
            if (!v.isNumber() || !(v.doubleValue() >= 0 && v.doubleValue() <= 4096)) {
                throw invalid("vramGbEstimate", "must be a number in 0..4096 (GiB)", v);
            }
            vram = v.doubleValue();
        }
        JsonNode s = o.get("source");
        if (s == null || s.isNull()) {
            throw new InvalidField("source", "missing required field 'source' ({engine, files, cliDefaults})");
        }
        if (!s.isObject()) {
            throw invalid("source", "must be an object {engine, files, cliDefaults}", s);
        }
        ModelSource source;
        try {
            source = WireJson.mapper().treeToValue(s, ModelSource.class);
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new InvalidField("source", "field 'source' is not a valid modelSource: " + why);
        }
        boolean enabled = true;
        JsonNode en = o.get("enabled");
        if (en != null && !en.isNull()) {
            if (!en.isBoolean()) {
                throw invalid("enabled", "must be true or false", en);
            }
            enabled = en.booleanValue();
        }
        Origin origin = forcedOrigin;
        if (origin == null) {
            String originText = text(o, "origin", false);
            origin = "studio".equals(originText) ? Origin.STUDIO : Origin.LOCAL;
        }
        return new CatalogEntry(id, displayName, kind, vram, source, enabled, origin);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("displayName", displayName);
        o.put("kind", kind.wireName());
        o.put("vramGbEstimate", vramGbEstimate);
        o.set("source", WireJson.mapper().valueToTree(source));
        o.put("enabled", enabled);
        o.put("origin", origin.wireName());
        return o;
    }

    private static String text(ObjectNode o, String field, boolean required) throws InvalidField {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new InvalidField(field, "missing required field '" + field + "'");
            }
            return null;
        }
        if (!n.isTextual() || (required && n.textValue().isBlank())) {
            throw invalid(field, required ? "must be a non-empty string" : "must be a string", n);
        }
        return n.textValue();
    }

    private static InvalidField invalid(String field, String rule, JsonNode value) {
        return new InvalidField(field, "field '" + field + "' " + rule + ", got " + show(value));
    }

    private static String show(JsonNode value) {
        String s = value == null ? "nothing" : value.toString();
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
