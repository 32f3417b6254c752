package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.engines.image.StableDiffusionEngine;
import gg.minis.studio.worker.engines.routing.MultiEngine;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /engines}: a routing engine's parts with kinds, models and (native ones) library and backend. */
class LocalApiEnginesTest {
    @TempDir
    Path dir;

    @Test
    void listsEachEngineWithoutLoadingANativeLibrary() throws Exception {
        StableDiffusionEngine sd = StableDiffusionEngine.builder((kind, file, progress, cancel) -> {
            throw EngineException.permanent("no downloads in this test");
        }).build();
        try (ApiFixture fx = new ApiFixture(dir, MultiEngine.of(sd, SyntheticEngine.create()))) {
            JsonNode body = json(fx.api.get("/engines"));
            assertThat(body.path("engine").asText()).isEqualTo("sd-cpp+synthetic");
            JsonNode first = body.path("engines").get(0);
            assertThat(first.path("id").asText()).isEqualTo("sd-cpp");
            assertThat(first.path("kinds").toString()).isEqualTo("[\"image\"]");
            assertThat(first.path("models").path("image").isEmpty()).isTrue();
            assertThat(first.path("native").path("library").asText()).isEqualTo(StableDiffusionEngine.LIBRARY);
            assertThat(first.path("native").path("loaded").asBoolean()).isFalse();
            assertThat(first.path("native").path("backend").isNull()).isTrue();
            JsonNode second = body.path("engines").get(1);
            assertThat(second.path("id").asText()).isEqualTo("synthetic");
            assertThat(second.path("native").isNull()).isTrue();
            assertThat(second.path("models").path("llm").get(0).asText()).isEqualTo("synthetic");
            assertThat(sd.backendInfo()).isEmpty();
            assertThat(fx.api.withToken(null).get("/engines").statusCode()).isEqualTo(401);
        }
    }
}
