package gg.minis.studio.worker.api.job;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;

import com.fasterxml.jackson.databind.JsonNode;

/** A JSON result, sent as {@code completeJson.result}. */
public record JsonResult(JsonNode json) implements TaskResult {
    public JsonResult {
        require(json, "json");
    }
}
