package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.protocol.MissingFieldException;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.LlmTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The OpenAI chat-completions mapping: request -> {@link LlmTask}, and the engine's {@code chat.completion} result ->
 * the response, or {@code chat.completion.chunk} events for {@code stream: true}. The engine runs the whole
 * completion first; the stream then carries its content in word-sized chunks.
 */
final class ChatCompletions {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /** A parsed request: the model asked for (null: the default), the task, and the streaming options. */
    record Request(String model, LlmTask task, boolean stream, boolean includeUsage) {}

    private ChatCompletions() {}

    static Request parse(ObjectNode body) throws ApiException {
        Fields f = new Fields(body);
        String model = f.text("model");
        Integer n = f.integer("n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw Fields.invalid("n", "must be 1 (one choice per request)", body.get("n"));
        }
        List<ChatMessage> messages = messages(body.get("messages"));
        Integer maxTokens = f.integer("max_completion_tokens", 1, 1_000_000);
        if (maxTokens == null) {
            maxTokens = f.integer("max_tokens", 1, 1_000_000);
        }
        Double temperature = f.number("temperature", 0, 2);
        Double topP = f.number("top_p", 0, 1);
        List<String> stop = stop(body.get("stop"));
        JsonNode schema = responseFormat(body.get("response_format"));
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = false;
        JsonNode options = f.node("stream_options");
        if (options != null) {
            if (!options.isObject()) {
                throw Fields.invalid("stream_options", "must be an object", options);
            }
            includeUsage = Boolean.TRUE.equals(new Fields((ObjectNode) options).bool("include_usage"));
        }
        LlmTask task;
        try {
            task = new LlmTask(messages, null, maxTokens, temperature, topP, stop, schema, null, null);
        } catch (MissingFieldException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        return new Request(model, task, stream, includeUsage);
    }

    private static List<ChatMessage> messages(JsonNode node) throws ApiException {
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("missing required field 'messages'");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw Fields.invalid("messages", "must be a non-empty array of {role, content}", node);
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw Fields.invalid(at, "must be an object with role and content", m);
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.textValue())) {
                throw Fields.invalid(at + ".role", "must be one of system, developer, user, assistant, tool",
                        role);
            }
            String r = role.textValue().equals("developer") ? "system" : role.textValue();
            out.add(new ChatMessage(r, content(m.get("content"), at + ".content")));
        }
        return out;
    }

    /** A string, or an array of content parts of which the text parts are joined. */
    private static String content(JsonNode node, String at) throws ApiException {
        if (node == null || node.isNull()) {
            throw ApiException.badRequest("missing required field '" + at + "'");
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < node.size(); i++) {
                JsonNode part = node.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw Fields.invalid(at + "[" + i + "]", "must be a text part {type: \"text\", text}", part);
                }
                sb.append(part.get("text").textValue());
            }
            return sb.toString();
        }
        throw Fields.invalid(at, "must be a string or an array of text parts", node);
    }

    private static List<String> stop(JsonNode node) throws ApiException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return List.of(node.textValue());
        }
        if (node.isArray() && node.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode s : node) {
                if (!s.isTextual()) {
                    throw Fields.invalid("stop", "must be a string or an array of up to 4 strings", node);
                }
                out.add(s.textValue());
            }
            return out;
        }
        throw Fields.invalid("stop", "must be a string or an array of up to 4 strings", node);
    }

    /** {@code json_schema} -> its schema; {@code json_object} -> any object; {@code text} -> none. */
    private static JsonNode responseFormat(JsonNode node) throws ApiException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw Fields.invalid("response_format", "must be an object", node);
        }
        String type = node.path("type").asText("");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JSON.objectNode().put("type", "object");
            case "json_schema" -> {
                JsonNode schema = node.path("json_schema").get("schema");
                if (schema == null || !schema.isObject()) {
                    throw Fields.invalid("response_format.json_schema.schema", "must be a JSON schema object",
                            schema);
                }
                yield schema;
            }
            default -> throw Fields.invalid("response_format.type", "must be text, json_object or json_schema",
                    node.get("type"));
        };
    }

    /** The engine's completion with the OpenAI envelope made complete: id, object, created, model. */
    static ObjectNode response(JsonNode result, String jobId, String model) throws ApiException {
        if (!(result instanceof ObjectNode object) || !object.path("choices").isArray()
                || object.path("choices").isEmpty()) {
            throw new ApiException(500, ErrorCodes.INTERNAL_ERROR,
                    "the engine's chat result has no choices: " + Fields.show(result));
        }
        ObjectNode out = object.deepCopy();
        if (!out.path("id").isTextual()) {
            out.put("id", "chatcmpl-" + jobId);
        }
        out.put("object", "chat.completion");
        if (out.path("created").asLong(0) <= 0) {
            out.put("created", Instant.now().getEpochSecond());
        }
        out.put("model", model);
        return out;
    }

    /** {@code chat.completion.chunk} events (JSON text each): role, the content in word chunks, the finish. */
    static List<String> chunks(ObjectNode completion, boolean includeUsage) {
        JsonNode choice = completion.path("choices").path(0);
        String content = choice.path("message").path("content").asText("");
        String finish = choice.path("finish_reason").asText("stop");
        List<String> events = new ArrayList<>();
        events.add(chunk(completion, JSON.objectNode().put("role", "assistant").put("content", ""), null));
        for (String word : words(content)) {
            events.add(chunk(completion, JSON.objectNode().put("content", word), null));
        }
        events.add(chunk(completion, JSON.objectNode(), finish));
        if (includeUsage && completion.has("usage")) {
            ObjectNode usage = envelope(completion);
            usage.putArray("choices");
            usage.set("usage", completion.get("usage"));
            events.add(WireJson.encode(usage));
        }
        return events;
    }

    /** Splits after whitespace, so the chunks concatenate to exactly {@code content}. */
    static List<String> words(String content) {
        if (content.isEmpty()) {
            return List.of();
        }
        return List.of(content.split("(?<=\\s)(?=\\S)"));
    }

    private static String chunk(ObjectNode completion, ObjectNode delta, String finishReason) {
        ObjectNode chunk = envelope(completion);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return WireJson.encode(chunk);
    }

    private static ObjectNode envelope(ObjectNode completion) {
        ObjectNode chunk = JSON.objectNode();
        chunk.set("id", completion.get("id"));
        chunk.put("object", "chat.completion.chunk");
        chunk.set("created", completion.get("created"));
        chunk.set("model", completion.get("model"));
        return chunk;
    }
}
