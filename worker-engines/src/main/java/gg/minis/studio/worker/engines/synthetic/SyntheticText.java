package gg.minis.studio.worker.engines.synthetic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.api.protocol.WireJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** JSON results in the shapes consumers already parse: OpenAI chat completions and verbose transcripts. */
final class SyntheticText {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] WORDS = {
        "amber", "bright", "cedar", "drift", "ember", "fable", "glade", "harbor", "ivory", "juniper", "kestrel",
        "lantern", "meadow", "nimbus", "orchid", "pebble", "quartz", "ripple", "saffron", "thistle", "umber",
        "velvet", "willow", "yarrow", "zephyr"
    };

    private SyntheticText() {}

    /** An OpenAI {@code chat.completion} object. With a {@code jsonSchema}, the content is JSON matching it. */
    static JsonResult chatCompletion(JobClaim claim, LlmTask task) {
        String lastUser = task.messages().stream()
                .filter(m -> m.role().equals("user"))
                .reduce((a, b) -> b)
                .map(ChatMessage::content)
                .orElse("");
        long seed = Seeds.of(task.promptText(), Double.doubleToLongBits(task.temperature()));
        String content;
        String finishReason = "stop";
        if (task.jsonSchema() != null && !task.jsonSchema().isNull()) {
            content = WireJson.encode(sampleFor(task.jsonSchema(), seed, 0));
        } else {
            List<String> words = new ArrayList<>(Arrays.asList(("Synthetic reply to: " + lastUser).split("\\s+")));
            for (int i = 0; words.size() < 12; i++) {
                words.add(WORDS[(int) Math.floorMod(Seeds.mix(seed + i), (long) WORDS.length)]);
            }
            if (words.size() > task.maxTokens()) {
                words = words.subList(0, task.maxTokens());
                finishReason = "length";
            }
            content = String.join(" ", words);
        }
        int promptTokens = countWords(task.promptText());
        int completionTokens = countWords(content);
        ObjectNode root = JSON.objectNode();
        root.put("id", "chatcmpl-" + Long.toHexString(seed & Long.MAX_VALUE));
        root.put("object", "chat.completion");
        root.put("created", 0);
        root.put("model", claim.model() == null ? SyntheticEngine.MODEL_ID : claim.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", finishReason);
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        return new JsonResult(root);
    }

    /** A value of the JSON-schema type asked for; enough for consumers that validate shape, not meaning. */
    static JsonNode sampleFor(JsonNode schema, long seed, int depth) {
        if (schema.has("enum") && schema.get("enum").isArray() && !schema.get("enum").isEmpty()) {
            return schema.get("enum").get(0);
        }
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "string");
        return switch (type) {
            case "object" -> {
                ObjectNode object = JSON.objectNode();
                if (depth < 8) {
                    int i = 0;
                    for (var field : schema.path("properties").properties()) {
                        object.set(field.getKey(), sampleFor(field.getValue(), Seeds.mix(seed + i++), depth + 1));
                    }
                }
                yield object;
            }
            case "array" -> {
                ArrayNode array = JSON.arrayNode();
                if (depth < 8 && schema.has("items")) {
                    array.add(sampleFor(schema.get("items"), Seeds.mix(seed), depth + 1));
                }
                yield array;
            }
            case "integer" -> JSON.numberNode(Math.floorMod(seed, 100L));
            case "number" -> JSON.numberNode(Math.floorMod(seed, 1000L) / 10.0);
            case "boolean" -> JSON.booleanNode((seed & 1) == 0);
            case "null" -> JSON.nullNode();
            default -> JSON.textNode(WORDS[(int) Math.floorMod(seed, (long) WORDS.length)]);
        };
    }

    /**
     * A verbose transcript ({@code text}, {@code language}, {@code duration}, {@code segments} with times, and
     * {@code words} when word timestamps were asked for). The synthetic engine does not fetch the audio.
     */
    static JsonResult transcript(JobClaim claim, SttTask task) {
        long seed = Seeds.of(task.inputUrl(), 7);
        int segments = 1 + (int) Math.floorMod(seed, 3L);
        ObjectNode root = JSON.objectNode();
        ArrayNode segmentArray = JSON.arrayNode();
        StringBuilder text = new StringBuilder();
        double t = 0;
        for (int s = 0; s < segments; s++) {
            ObjectNode segment = segmentArray.addObject();
            List<String> words = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                words.add(WORDS[(int) Math.floorMod(Seeds.mix(seed + s * 31L + w), (long) WORDS.length)]);
            }
            String line = String.join(" ", words);
            segment.put("id", s);
            segment.put("start", t);
            segment.put("end", t + 2.0);
            segment.put("text", line);
            if (task.timestamps() == TimestampGranularity.WORD) {
                ArrayNode wordArray = segment.putArray("words");
                for (int w = 0; w < words.size(); w++) {
                    wordArray.addObject().put("word", words.get(w)).put("start", t + w * 0.5).put("end", t + w * 0.5 + 0.5);
                }
            }
            text.append(s == 0 ? "" : " ").append(line);
            t += 2.0;
        }
        root.put("text", text.toString());
        root.put("language", task.language() == null ? "en" : task.language());
        root.put("duration", t);
        root.put("model", claim.model() == null ? SyntheticEngine.MODEL_ID : claim.model());
        root.set("segments", segmentArray);
        return new JsonResult(root);
    }

    private static int countWords(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }
}
