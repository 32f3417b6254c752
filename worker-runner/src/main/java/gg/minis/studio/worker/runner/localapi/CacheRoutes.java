package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.engines.models.CacheInventory;
import gg.minis.studio.worker.runner.catalog.CatalogEntry;
import gg.minis.studio.worker.runner.catalog.ModelResidency;
import gg.minis.studio.worker.runner.config.ConfigPaths;
import gg.minis.studio.worker.runner.daemon.Daemon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model cache under {@code models_root}: {@code GET /cache} (root, disk space, files), {@code POST /cache/verify}
 * (re-hash every file, or the one named by an optional {@code {kind, filename}} body) and {@code POST /cache/prune}
 * (delete the files no catalog entry or resident model references).
 *
 * <p>Errors: 400 {@code bad_request} naming the field (with {@code field}); 404 {@code not_found} for a file the
 * cache does not hold.
 */
final class CacheRoutes implements Router.Routes {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Daemon daemon;

    CacheRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void register(Router router) {
        router.get("/cache", this::list)
                .post("/cache/verify", this::verify)
                .post("/cache/prune", this::prune);
    }

    private CacheInventory inventory() throws Exception {
        return new CacheInventory(ConfigPaths.modelsRoot(daemon.config()));
    }

    private ApiResponse list(ApiRequest request) throws Exception {
        CacheInventory inventory = inventory();
        ObjectNode body = JSON.objectNode();
        body.put("root", inventory.root().toString());
        Long free = DaemonRoutes.freeBytes(inventory.root());
        Long total = totalBytes(inventory.root());
        if (free == null) {
            body.putNull("freeBytes");
        } else {
            body.put("freeBytes", free);
        }
        if (total == null) {
            body.putNull("totalBytes");
        } else {
            body.put("totalBytes", total);
        }
        ArrayNode files = body.putArray("files");
        long used = 0;
        for (CacheInventory.CachedFile f : inventory.list()) {
            ObjectNode o = files.addObject();
            o.put("kind", f.kind());
            o.put("filename", f.filename());
            o.put("bytes", f.bytes());
            o.put("verified", f.verified());
            o.put("partial", f.partial());
            o.put("partialBytes", f.partialBytes());
            used += f.bytes() + f.partialBytes();
        }
        body.put("usedBytes", used);
        return ApiResponse.ok(body);
    }

    private ApiResponse verify(ApiRequest request) throws Exception {
        CacheInventory inventory = inventory();
        Map<String, String> expected = expectedShas();
        List<CacheInventory.Verification> results = new ArrayList<>();
        Fields fields = request.body().length == 0 ? null : new Fields(request.jsonObject());
        if (fields == null || (fields.node("kind") == null && fields.node("filename") == null)) {
            results.addAll(inventory.verifyAll((kind, file) -> expected.get(kind + "/" + file)));
        } else {
            String kind;
            String filename;
            try {
                kind = fields.requiredText("kind");
            } catch (ApiException e) {
                return badField("kind", e.getMessage());
            }
            try {
                filename = fields.requiredText("filename");
            } catch (ApiException e) {
                return badField("filename", e.getMessage());
            }
            if (inventory.pathOf(kind, "x") == null) {
                return badField("kind", "field 'kind' must be a task kind (image, llm, audio_stt, audio_tts, video),"
                        + " got \"" + kind + "\"");
            }
            if (inventory.pathOf(kind, filename) == null) {
                return badField("filename", "field 'filename' must be a plain model file name, got \"" + filename
                        + "\"");
            }
            results.add(inventory.verify(kind, filename, expected.get(kind + "/" + filename)).orElseThrow(() ->
                    ApiException.notFound("the model cache holds no file " + kind + "/" + filename)));
        }
        ObjectNode body = JSON.objectNode();
        ArrayNode out = body.putArray("results");
        boolean ok = true;
        for (CacheInventory.Verification v : results) {
            ObjectNode o = out.addObject();
            o.put("kind", v.kind());
            o.put("filename", v.filename());
            o.put("bytes", v.bytes());
            o.put("status", v.status().wireName());
            o.put("sha256", v.sha256());
            o.put("expected", v.expected());
            if (v.detail() != null) {
                o.put("detail", v.detail());
            }
            ok &= v.status() == CacheInventory.Status.OK || v.status() == CacheInventory.Status.NO_REFERENCE;
        }
        body.put("ok", ok);
        return ApiResponse.ok(body);
    }

    private ApiResponse prune(ApiRequest request) throws Exception {
        CacheInventory inventory = inventory();
        Set<Path> keep = new HashSet<>();
        for (CatalogEntry e : referenced()) {
            for (ModelFile f : e.source().files()) {
                Path p = inventory.pathOf(e.kind().wireName(), f.filename());
                if (p != null) {
                    keep.add(p);
                }
            }
        }
        CacheInventory.PruneResult result = inventory.prune(keep);
        ObjectNode body = JSON.objectNode();
        ArrayNode removed = body.putArray("removed");
        for (CacheInventory.Removed r : result.removed()) {
            ObjectNode o = removed.addObject();
            o.put("kind", r.kind());
            o.put("filename", r.filename());
            o.put("bytes", r.bytes());
        }
        body.put("freedBytes", result.freedBytes());
        ArrayNode skipped = body.putArray("skipped");
        result.skipped().forEach(skipped::add);
        return ApiResponse.ok(body);
    }

    /**
     * Every catalog entry, resident or not: a resident model is always a catalog entry (residency works on catalog
     * ids, and a resident entry cannot be deleted), so the catalog covers both.
     */
    private List<CatalogEntry> referenced() {
        List<CatalogEntry> out = new ArrayList<>();
        for (ModelResidency.View v : daemon.residency().views()) {
            out.add(v.entry());
        }
        return out;
    }

    /** {@code kind/filename} -> the sha256 a catalog entry expects, where one does. */
    private Map<String, String> expectedShas() {
        Map<String, String> out = new HashMap<>();
        for (CatalogEntry e : referenced()) {
            for (ModelFile f : e.source().files()) {
                if (f.sha256() != null && !f.sha256().isBlank()) {
                    out.putIfAbsent(e.kind().wireName() + "/" + f.filename(), f.sha256());
                }
            }
        }
        return out;
    }

    private static ApiResponse badField(String field, String message) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("error", ErrorCodes.BAD_REQUEST);
        out.put("message", message);
        out.put("field", field);
        return ApiResponse.json(400, out);
    }

    /** The size of the file system that holds (or will hold) {@code dir}; null when unknown. */
    private static Long totalBytes(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return Files.getFileStore(p).getTotalSpace();
                } catch (IOException | RuntimeException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
