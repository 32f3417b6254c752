package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.catalog.ModelCatalog;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog beside a real studio session: offered models are mirrored in; pinned models come back at run(). */
class LocalApiCatalogStudioTest {
    @TempDir
    Path dir;

    private LocalStudio studio;
    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        studio = LocalStudio.start();
        fx = runningFixture();
    }

    private ApiFixture runningFixture() throws Exception {
        ApiFixture f = new ApiFixture(dir, SyntheticEngine.create(),
                c -> c.withValue("api_base_url", studio.baseUrl().toString()),
                b -> b.freeRam(() -> 4 * LocalApiModelsTest.GIB));
        f.runDaemon();
        f.awaitWelcomed();
        return f;
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
        studio.close();
    }

    private JsonNode catalogEntry(String id) throws Exception {
        for (JsonNode m : json(fx.api.get("/models")).path("catalog")) {
            if (m.path("id").asText().equals(id)) {
                return m;
            }
        }
        throw new AssertionError("no " + id + " in GET /models: " + json(fx.api.get("/models")));
    }

    @Test
    void offeredModelsAreMirroredWithoutOverwritingALocalEntry() throws Exception {
        var local = LocalApiModelsTest.entry("shared", "image", 1.0);
        local.put("displayName", "mine");
        assertThat(fx.api.post("/models", local).statusCode()).isEqualTo(201);

        ModelSource synthetic = ModelSource.of("synthetic");
        studio.submit(new JobClaim("s-1", null, null, "shared", 6.0, ImageTask.of("a fox"), synthetic, null, null));
        studio.submit(new JobClaim("s-2", null, null, "studio-voice", 2.5, TtsTask.of("hello"), synthetic, null,
                null));
        assertThat(studio.awaitOutcome("s-1").get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(studio.awaitOutcome("s-2").get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.COMPLETED);

        JsonNode mirrored = catalogEntry("studio-voice");
        assertThat(mirrored.path("origin").asText()).isEqualTo("studio");
        assertThat(mirrored.path("kind").asText()).isEqualTo("audio_tts");
        assertThat(mirrored.path("vramGbEstimate").asDouble()).isEqualTo(2.5);
        assertThat(mirrored.path("source").path("engine").asText()).isEqualTo("synthetic");
        JsonNode kept = catalogEntry("shared");
        assertThat(kept.path("origin").asText()).isEqualTo("local");
        assertThat(kept.path("displayName").asText()).isEqualTo("mine");
        assertThat(kept.path("vramGbEstimate").asDouble()).isEqualTo(1.0);

        JsonNode file = WireJson.mapper().readTree(dir.resolve(ModelCatalog.FILE_NAME).toFile());
        assertThat(file.path("models").findValuesAsText("id")).contains("shared", "studio-voice");
        // A studio entry is not the operator's to delete; a local job can run on it.
        assertThat(json(fx.api.delete("/models/studio-voice")).path("error").asText()).isEqualTo("not_local");
        assertThat(fx.api.post("/tts", java.util.Map.of("text", "hi", "model", "studio-voice")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aRestartedDaemonReloadsPinnedModelsWhenItRuns() throws Exception {
        assertThat(fx.api.post("/models", LocalApiModelsTest.entry("fox-xl", "image", 0.1)).statusCode())
                .isEqualTo(201);
        assertThat(json(fx.api.post("/models/fox-xl/load", "{}")).path("state").asText()).isEqualTo("resident");
        fx.close();

        fx = runningFixture(); // new Daemon, new engine, same config dir
        LocalApiNativeResidencyTest.await("fox-xl to be reloaded", () -> LocalApiNativeResidencyTest.call(() ->
                json(fx.api.get("/models/fox-xl/state")).path("state").asText()).equals("resident"));
    }
}
