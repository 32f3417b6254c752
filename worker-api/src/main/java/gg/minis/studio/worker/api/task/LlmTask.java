package gg.minis.studio.worker.api.task;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.Collectors;

/** A chat completion. {@code stop} accepts a single string or a list, as OpenAI-style clients send either. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LlmTask(
        List<ChatMessage> messages,
        String system,
        Integer maxTokens,
        Double temperature,
        Double topP,
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> stop,
        JsonNode jsonSchema,
        JsonNode reasoning,
        JsonNode chatTemplateKwargs) implements Task {

    public static final int DEFAULT_MAX_TOKENS = 512;
    public static final double DEFAULT_TEMPERATURE = 0.7;

    public LlmTask {
        messages = List.copyOf(require(messages, "messages"));
        if (maxTokens == null) {
            maxTokens = DEFAULT_MAX_TOKENS;
        }
        if (temperature == null) {
            temperature = DEFAULT_TEMPERATURE;
        }
        stop = stop == null ? null : List.copyOf(stop);
    }

    @Override
    public TaskKind kind() {
        return TaskKind.LLM;
    }

    /** The whole conversation, system prompt first: the studio stores it as the job's prompt. */
    @Override
    public String promptText() {
        String turns = messages.stream().map(m -> m.role() + ": " + m.content()).collect(Collectors.joining("\n"));
        return system == null ? turns : "system: " + system + "\n" + turns;
    }
}
