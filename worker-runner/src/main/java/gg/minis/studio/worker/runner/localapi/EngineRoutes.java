package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.routing.MultiEngine;
import gg.minis.studio.worker.engines.support.NativeEngine;
import gg.minis.studio.worker.natives.BackendInfo;
import gg.minis.studio.worker.runner.daemon.Daemon;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /engines}: the engines behind the worker's engine (a routing engine's parts, in routing order), each
 * with its kinds and models, and for a native engine its library and, once loaded, what the backend reports (name,
 * version, devices with total/free bytes). Reading it never loads a library.
 */
final class EngineRoutes implements Router.Routes {
    private static final Logger log = LoggerFactory.getLogger(EngineRoutes.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Daemon daemon;

    EngineRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void register(Router router) {
        router.get("/engines", r -> {
            Engine engine = daemon.engine().current();
            List<Engine> parts = engine instanceof MultiEngine multi ? multi.engines() : List.of(engine);
            ObjectNode body = JSON.objectNode();
            body.put("engine", engine.id());
            ArrayNode list = body.putArray("engines");
            parts.forEach(e -> list.add(describe(e)));
            return ApiResponse.ok(body);
        });
    }

    private static ObjectNode describe(Engine engine) {
        ObjectNode o = JSON.objectNode();
        o.put("id", engine.id());
        ArrayNode kinds = o.putArray("kinds");
        ObjectNode models = o.putObject("models");
        for (TaskKind kind : TaskKind.values()) {
            if (engine.kinds().contains(kind)) {
                kinds.add(kind.wireName());
                ArrayNode ids = models.putArray(kind.wireName());
                engine.models(kind).forEach(ids::add);
            }
        }
        if (!(engine instanceof NativeEngine<?, ?> nativeEngine)) {
            o.putNull("native");
            return o;
        }
        ObjectNode n = o.putObject("native");
        n.put("library", nativeEngine.libraryName());
        Optional<BackendInfo> info;
        try {
            info = nativeEngine.backendInfo();
        } catch (RuntimeException e) {
            log.debug("backend info of {}", engine.id(), e);
            info = Optional.empty();
        }
        n.put("loaded", info.isPresent());
        if (info.isEmpty()) {
            n.putNull("backend");
            return o;
        }
        BackendInfo b = info.get();
        ObjectNode backend = n.putObject("backend");
        backend.put("name", b.name());
        backend.put("version", b.version());
        ArrayNode devices = backend.putArray("devices");
        for (BackendInfo.Device d : b.devices()) {
            devices.addObject().put("name", d.name()).put("totalBytes", d.totalBytes()).put("freeBytes",
                    d.freeBytes());
        }
        return o;
    }
}
