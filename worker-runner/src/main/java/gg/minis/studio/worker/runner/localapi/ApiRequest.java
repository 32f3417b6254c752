package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One request, decoupled from Netty: already authenticated and routed. {@code params} holds the {@code {name}}
 * segments of the route template.
 */
public record ApiRequest(HttpMethod method, String path, Map<String, List<String>> query, byte[] body,
        Map<String, String> params) {

    public String param(String name) {
        return params.get(name);
    }

    /** The first value of query parameter {@code name}, or null. */
    public String query(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The body as a JSON object; 400 when it is empty, not JSON, or not an object. */
    public ObjectNode jsonObject() throws ApiException {
        if (body.length == 0) {
            throw ApiException.badRequest("the request body is empty; expected a JSON object");
        }
        JsonNode node;
        try {
            node = WireJson.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("the request body cannot be read: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiException.badRequest("the request body must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return object;
    }
}
