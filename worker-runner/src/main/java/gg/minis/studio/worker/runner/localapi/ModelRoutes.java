package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.catalog.CatalogEntry;
import gg.minis.studio.worker.runner.catalog.ModelException;
import gg.minis.studio.worker.runner.catalog.ModelResidency;
import gg.minis.studio.worker.runner.daemon.Daemon;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model catalog and residency: {@code GET /models} (models per kind, the catalog with each model's state),
 * {@code GET /models/{id}}, {@code GET /models/{id}/state}, {@code POST /models/{id}/load}, {@code /unload},
 * {@code POST /models} (add or replace a local entry) and {@code DELETE /models/{id}}.
 *
 * <p>Errors: 404 {@code unknown_model}; 400 {@code bad_request} naming the field (with {@code field}); 409
 * {@code insufficient_memory} (with {@code neededGb}, {@code freeGb}, {@code memory}), {@code model_in_use},
 * {@code model_resident}, {@code not_local}, {@code not_loadable}, {@code model_disabled}; 503 {@code busy}.
 */
final class ModelRoutes implements Router.Routes {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Daemon daemon;
    private final int retryAfterSeconds;

    ModelRoutes(Daemon daemon, int retryAfterSeconds) {
        this.daemon = daemon;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void register(Router router) {
        router.get("/models", this::list)
                .post("/models", this::put)
                .get("/models/{id}", r -> handle(() -> ApiResponse.ok(view(residency().view(r.param("id"))))))
                .delete("/models/{id}", r -> handle(() -> {
                    residency().delete(r.param("id"));
                    return ApiResponse.ok(Map.of("deleted", r.param("id")));
                }))
                .get("/models/{id}/state", r -> handle(() -> ApiResponse.ok(state(residency().view(r.param("id"))))))
                .post("/models/{id}/load", r -> handle(() -> ApiResponse.ok(view(residency().load(r.param("id"))))))
                .post("/models/{id}/unload", r -> handle(() ->
                        ApiResponse.ok(view(residency().unload(r.param("id"))))));
    }

    private ModelResidency residency() {
        return daemon.residency();
    }

    private ApiResponse list(ApiRequest request) {
        ObjectNode body = JSON.objectNode();
        body.put("engine", daemon.engine().id());
        ObjectNode kinds = body.putObject("models");
        for (TaskKind kind : TaskKind.values()) {
            if (daemon.engine().kinds().contains(kind)) {
                ArrayNode list = kinds.putArray(kind.wireName());
                daemon.localJobs().models().models(kind).forEach(list::add);
            }
        }
        int capacity = residency().capacity();
        if (capacity == Integer.MAX_VALUE) {
            body.putNull("residentCapacity");
        } else {
            body.put("residentCapacity", capacity);
        }
        ArrayNode catalog = body.putArray("catalog");
        residency().views().forEach(v -> catalog.add(view(v)));
        return ApiResponse.ok(body);
    }

    private ApiResponse put(ApiRequest request) throws Exception {
        ObjectNode body = request.jsonObject();
        CatalogEntry entry;
        try {
            entry = CatalogEntry.fromJson(body, CatalogEntry.Origin.LOCAL);
        } catch (CatalogEntry.InvalidField e) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("error", ErrorCodes.BAD_REQUEST);
            out.put("message", e.getMessage());
            out.put("field", e.field());
            return ApiResponse.json(400, out);
        }
        boolean replaced = daemon.catalog().get(entry.id()).isPresent();
        daemon.catalog().putLocal(entry);
        return ApiResponse.json(replaced ? 200 : 201, view(residency().view(entry.id())));
    }

    private interface Action {
        ApiResponse run() throws Exception;
    }

    /** A {@link ModelException} as {@code {error, message, ...details}}. */
    private ApiResponse handle(Action action) throws Exception {
        try {
            return action.run();
        } catch (ModelException e) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("error", e.code());
            out.put("message", e.getMessage());
            out.putAll(e.details());
            Map<String, String> headers = e.status() == 503
                    ? Map.of("Retry-After", Integer.toString(retryAfterSeconds)) : Map.of();
            return new ApiResponse.Json(e.status(), out, headers);
        }
    }

    /** The entry as in {@code models.json} plus {@code state}, {@code stateDetail} and {@code pinned}. */
    static ObjectNode view(ModelResidency.View v) {
        ObjectNode o = v.entry().toJson();
        o.setAll(state(v));
        return o;
    }

    static ObjectNode state(ModelResidency.View v) {
        ObjectNode o = JSON.objectNode();
        o.put("id", v.entry().id());
        o.put("state", v.state().phase().wireName());
        o.put("stateDetail", v.state().detail());
        o.put("pinned", v.pinned());
        return o;
    }
}
