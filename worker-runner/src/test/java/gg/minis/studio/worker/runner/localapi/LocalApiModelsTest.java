package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.catalog.ModelCatalog;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog and residency routes on the synthetic engine (residency there is bookkeeping only). */
class LocalApiModelsTest {
    static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = fixture();
    }

    private ApiFixture fixture() throws Exception {
        // 4 GiB of free RAM, whatever this machine has: the admission answers do not depend on the test host.
        return new ApiFixture(dir, SyntheticEngine.create(), c -> c, b -> b.freeRam(() -> 4 * GIB));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    static Map<String, Object> entry(String id, String kind, double vram) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("displayName", "My " + id);
        e.put("kind", kind);
        e.put("vramGbEstimate", vram);
        e.put("source", Map.of("engine", "synthetic"));
        return e;
    }

    private JsonNode add(Map<String, Object> entry) throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/models", entry);
        assertThat(res.statusCode()).as(ApiClient.text(res)).isIn(200, 201);
        return json(res);
    }

    private JsonNode catalogEntry(String id) throws Exception {
        for (JsonNode m : json(fx.api.get("/models")).path("catalog")) {
            if (m.path("id").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError("no " + id + " in GET /models");
    }

    @Test
    void addListAndStateOfALocalEntry() throws Exception {
        HttpResponse<byte[]> created = fx.api.post("/models", entry("fox-xl", "image", 2.5));
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = json(created);
        assertThat(body.path("origin").asText()).isEqualTo("local");
        assertThat(body.path("state").asText()).isEqualTo("on_disk");
        assertThat(body.path("enabled").asBoolean()).isTrue();

        JsonNode m = catalogEntry("fox-xl");
        assertThat(m.path("displayName").asText()).isEqualTo("My fox-xl");
        assertThat(m.path("kind").asText()).isEqualTo("image");
        assertThat(m.path("vramGbEstimate").asDouble()).isEqualTo(2.5);
        assertThat(m.path("source").path("engine").asText()).isEqualTo("synthetic");
        assertThat(m.path("pinned").asBoolean()).isFalse();
        // The old shape stays: models per kind, now with the catalog's ids.
        assertThat(json(fx.api.get("/models")).path("models").path("image")).extracting(JsonNode::asText)
                .contains("synthetic", "fox-xl");

        JsonNode state = json(fx.api.get("/models/fox-xl/state"));
        assertThat(state.path("state").asText()).isEqualTo("on_disk");

        // Replacing is 200; the file has it, owner-only.
        Map<String, Object> changed = entry("fox-xl", "image", 3.0);
        assertThat(fx.api.post("/models", changed).statusCode()).isEqualTo(200);
        assertThat(catalogEntry("fox-xl").path("vramGbEstimate").asDouble()).isEqualTo(3.0);
        Path file = dir.resolve(ModelCatalog.FILE_NAME);
        assertThat(WireJson.mapper().readTree(file.toFile()).path("models").get(0).path("id").asText())
                .isEqualTo("fox-xl");
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void badEntriesAre400NamingTheField() throws Exception {
        record Case(Map<String, Object> body, String field, String inMessage) {}
        Map<String, Object> noId = entry("x", "image", 1);
        noId.remove("id");
        Map<String, Object> badKind = entry("x", "painting", 1);
        Map<String, Object> badVram = entry("x", "image", 1);
        badVram.put("vramGbEstimate", "lots");
        Map<String, Object> noSource = entry("x", "image", 1);
        noSource.remove("source");
        Map<String, Object> badSource = entry("x", "image", 1);
        badSource.put("source", Map.of("files", List.of()));
        Map<String, Object> badId = entry("../etc", "image", 1);
        Map<String, Object> badEnabled = entry("x", "image", 1);
        badEnabled.put("enabled", "yes");
        for (Case c : List.of(new Case(noId, "id", "missing required field 'id'"),
                new Case(badKind, "kind", "\"painting\""),
                new Case(badVram, "vramGbEstimate", "\"lots\""),
                new Case(noSource, "source", "'source'"),
                new Case(badSource, "source", "modelSource"),
                new Case(badId, "id", "\"../etc\""),
                new Case(badEnabled, "enabled", "\"yes\""))) {
            HttpResponse<byte[]> res = fx.api.post("/models", c.body());
            assertError(res, 400, "bad_request", c.field(), c.inMessage());
            assertThat(json(res).path("field").asText()).as(c.toString()).isEqualTo(c.field());
        }
        assertThat(json(fx.api.get("/models")).path("catalog")).isEmpty();
        assertThat(dir.resolve(ModelCatalog.FILE_NAME)).doesNotExist();
    }

    @Test
    void unknownModelsAre404() throws Exception {
        assertError(fx.api.get("/models/nope/state"), 404, "unknown_model", "nope");
        assertError(fx.api.get("/models/nope"), 404, "unknown_model", "nope");
        assertError(fx.api.post("/models/nope/load", "{}"), 404, "unknown_model", "nope");
        assertError(fx.api.post("/models/nope/unload", "{}"), 404, "unknown_model", "nope");
        assertError(fx.api.delete("/models/nope"), 404, "unknown_model", "nope");
    }

    @Test
    void loadKeepsAModelResidentUntilUnloadedAndPersistsTheSet() throws Exception {
        add(entry("fox-xl", "image", 2.0));
        add(entry("talker", "audio_tts", 0.5));
        JsonNode loaded = json(fx.api.post("/models/fox-xl/load", "{}"));
        assertThat(loaded.path("state").asText()).isEqualTo("resident");
        assertThat(loaded.path("pinned").asBoolean()).isTrue();
        assertThat(json(fx.api.post("/models/talker/load", "{}")).path("state").asText()).isEqualTo("resident");
        // Loading twice is fine.
        assertThat(fx.api.post("/models/talker/load", "{}").statusCode()).isEqualTo(200);
        assertThat(json(fx.api.get("/models")).path("residentCapacity").isNull()).isTrue(); // synthetic: unbounded
        assertThat(persistedResident()).containsExactly("fox-xl", "talker");

        JsonNode unloaded = json(fx.api.post("/models/fox-xl/unload", "{}"));
        assertThat(unloaded.path("state").asText()).isEqualTo("on_disk");
        assertThat(unloaded.path("pinned").asBoolean()).isFalse();
        assertThat(persistedResident()).containsExactly("talker");
    }

    private List<String> persistedResident() throws Exception {
        JsonNode root = WireJson.mapper().readTree(dir.resolve(ModelCatalog.FILE_NAME).toFile());
        return root.path("resident").valueStream().map(JsonNode::asText).toList();
    }

    @Test
    void loadingBeyondFreeMemoryIs409WithNeededAndFree() throws Exception {
        add(entry("huge", "image", 10.0));
        HttpResponse<byte[]> res = fx.api.post("/models/huge/load", "{}");
        assertError(res, 409, "insufficient_memory", "huge", "11.00 GiB", "4.00 GiB free", "RAM");
        JsonNode body = json(res);
        assertThat(body.path("neededGb").asDouble()).isEqualTo(11.0); // 10 + 10%
        assertThat(body.path("freeGb").asDouble()).isEqualTo(4.0);
        assertThat(body.path("memory").asText()).isEqualTo("ram");
        assertThat(json(fx.api.get("/models/huge/state")).path("state").asText()).isEqualTo("on_disk");

        add(entry("small", "image", 3.0)); // 3 + 0.5 minimum margin fits in 4
        assertThat(fx.api.post("/models/small/load", "{}").statusCode()).isEqualTo(200);
        add(entry("edge", "image", 3.6)); // 3.6 + 0.5 does not
        assertError(fx.api.post("/models/edge/load", "{}"), 409, "insufficient_memory", "4.10 GiB");
    }

    @Test
    void deletingAResidentModelIs409UntilUnloaded() throws Exception {
        add(entry("fox-xl", "image", 1.0));
        fx.api.post("/models/fox-xl/load", "{}");
        assertError(fx.api.delete("/models/fox-xl"), 409, "model_resident", "unload it first");
        fx.api.post("/models/fox-xl/unload", "{}");
        HttpResponse<byte[]> res = fx.api.delete("/models/fox-xl");
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        assertError(fx.api.get("/models/fox-xl/state"), 404, "unknown_model");
        assertThat(persistedResident()).isEmpty();
    }

    @Test
    void localJobsRunOnCatalogModelsAndRefuseTheWrongKind() throws Exception {
        add(entry("fox-xl", "image", 1.0));
        add(entry("listener", "audio_stt", 1.0));
        HttpResponse<byte[]> res = fx.api.post("/image", Map.of("prompt", "a fox", "model", "fox-xl", "steps", 1,
                "width", 64, "height", 64, "ext", "png"));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        assertThat(res.headers().firstValue("X-Model")).hasValue("fox-xl");

        assertError(fx.api.post("/image", Map.of("prompt", "a fox", "model", "listener")), 400, "unknown_model",
                "'model'", "audio_stt model, not image");
        Map<String, Object> disabled = entry("off", "image", 1.0);
        disabled.put("enabled", false);
        add(disabled);
        assertError(fx.api.post("/image", Map.of("prompt", "a fox", "model", "off")), 400, "unknown_model",
                "'model'", "disabled");
        assertError(fx.api.post("/models/off/load", "{}"), 409, "model_disabled", "off");
    }

    @Test
    void pinnedModelsAreReloadedByANewDaemonOnTheSameConfigDir() throws Exception {
        add(entry("fox-xl", "image", 1.0));
        add(entry("cold", "image", 1.0));
        fx.api.post("/models/fox-xl/load", "{}");
        fx.close();

        fx = fixture(); // a new daemon and a new engine: nothing resident until restored
        assertThat(json(fx.api.get("/models/fox-xl/state")).path("state").asText()).isEqualTo("on_disk");
        assertThat(json(fx.api.get("/models/fox-xl/state")).path("pinned").asBoolean()).isTrue();
        fx.daemon.residency().restore(); // what Daemon.run() starts with
        assertThat(json(fx.api.get("/models/fox-xl/state")).path("state").asText()).isEqualTo("resident");
        assertThat(json(fx.api.get("/models/cold/state")).path("state").asText()).isEqualTo("on_disk");
    }

    @Test
    void unloadOrDeleteWhileAJobRunsOnTheModelIs409() throws Exception {
        fx.close();
        BlockingEngine blocking = new BlockingEngine();
        fx = new ApiFixture(dir, blocking, c -> c, b -> b.freeRam(() -> 4 * GIB)
                .residencyWait(java.time.Duration.ofMillis(200)));
        add(entry("fox-xl", "image", 1.0));
        var job = java.util.concurrent.CompletableFuture.supplyAsync(() -> call(() -> fx.api.post("/image",
                Map.of("prompt", "block here", "model", "fox-xl"))));
        blocking.awaitBlocked();
        assertError(fx.api.post("/models/fox-xl/unload", "{}"), 409, "model_in_use", "local job");
        // This engine keeps nothing resident at all.
        assertError(fx.api.post("/models/fox-xl/load", "{}"), 409, "not_loadable", "fox-xl");
        assertError(fx.api.delete("/models/fox-xl"), 409, "model_in_use", "local job");
        blocking.release();
        assertThat(job.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fx.api.post("/models/fox-xl/unload", "{}").statusCode()).isEqualTo(200);
    }

    private static <T> T call(LocalApiNativeResidencyTest.Call<T> c) {
        return LocalApiNativeResidencyTest.call(c);
    }
}
