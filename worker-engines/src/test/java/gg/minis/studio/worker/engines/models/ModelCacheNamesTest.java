package gg.minis.studio.worker.engines.models;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.task.TaskKind;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Studio-supplied names and URLs: nothing outside the cache folder, nothing secret in a message. */
class ModelCacheNamesTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    @TempDir
    Path temp;

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/etc/passwd", "a/b", "a\\b", "C:x", "..", ".", "x/../y", "..\\..\\evil.dll",
        "model.gguf:stream", "trailing. ", "a\u0000b", "line\nbreak", "con."})
    void refusesNamesThatAreNotPlainFileNames(String name) throws Exception {
        wm.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("payload")));
        ModelCache cache = new ModelCache(temp.resolve("models"), ModelCache.defaultHttpClient());
        ModelFile file = new ModelFile(ModelFileRole.MODEL, wm.baseUrl() + "/m", name, null, null);

        assertThatThrownBy(() -> cache.resolve(TaskKind.IMAGE, file, ProgressListener.NONE, CancellationToken.none()))
                .asInstanceOf(type(EngineException.class))
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith("modelSource.files[].filename '")
                            .endsWith("' is not a plain file name")
                            .doesNotContain("\n", "\u0000");
                    assertThat(e.retryable()).isFalse();
                });
        assertThatThrownBy(() -> cache.cached(TaskKind.IMAGE, file)).isInstanceOf(EngineException.class);
        assertThat(tree(temp)).isEmpty();
        wm.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void theMessageQuotesTheValue() {
        ModelFile file = new ModelFile(ModelFileRole.MODEL, "https://cdn.example/m", "x/../y", null, null);

        assertThatThrownBy(() -> new ModelCache(temp, ModelCache.defaultHttpClient()).cached(TaskKind.IMAGE, file))
                .hasMessage("modelSource.files[].filename 'x/../y' is not a plain file name");
    }

    @Test
    void refusesTheEmptyName() {
        // ModelFile itself refuses a blank filename; the cache's own check must hold without that guard too.
        assertThatThrownBy(() -> ModelFileNames.plainFileName(""))
                .hasMessage("modelSource.files[].filename '' is not a plain file name");
        assertThatThrownBy(() -> ModelFileNames.plainFileName(null)).isInstanceOf(EngineException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"model.gguf", "ggml-base.en.bin", "flux1-dev-Q4_K_S.gguf", "t5xxl_fp16.safetensors",
        "a b.gguf", ".hidden"})
    void acceptsPlainNames(String name) throws EngineException {
        assertThat(ModelFileNames.plainFileName(name)).isEqualTo(name);
        ModelFile file = new ModelFile(ModelFileRole.MODEL, "https://cdn.example/m", name, null, null);
        assertThat(new ModelCache(temp, ModelCache.defaultHttpClient()).cached(TaskKind.VIDEO, file)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"model.gguf.part", "model.gguf.lock", "model.gguf.verified"})
    void refusesTheCachesOwnSuffixes(String name) {
        assertThatThrownBy(() -> ModelFileNames.plainFileName(name))
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("which the model cache uses for its own files");
    }

    @Test
    void refusesAMalformedSha256() {
        ModelFile file = new ModelFile(ModelFileRole.MODEL, "https://cdn.example/m", "m.gguf", null, "abc123");

        assertThatThrownBy(() -> new ModelCache(temp, ModelCache.defaultHttpClient()).cached(TaskKind.IMAGE, file))
                .hasMessage("modelSource.files[].sha256 'abc123' is not a SHA-256 hex digest");
    }

    @Test
    void refusesANonHttpUrlWithoutShowingItsQuery() {
        ModelFile file = new ModelFile(ModelFileRole.MODEL, "file:///etc/passwd?token=secret", "m.gguf", null, null);

        assertThatThrownBy(() -> new ModelCache(temp, ModelCache.defaultHttpClient())
                        .resolve(TaskKind.IMAGE, file, ProgressListener.NONE, CancellationToken.none()))
                .hasMessage("modelSource.files[].url 'file:///etc/passwd' is not an http(s) URL");
    }

    @Test
    void redactsQueryFragmentAndUserInfo() {
        assertThat(ModelFileNames.redact("https://user:pw@cdn.example:8443/m/a.gguf?X-Amz-Signature=s3cr3t#frag"))
                .isEqualTo("https://cdn.example:8443/m/a.gguf");
        assertThat(ModelFileNames.redact("https://cdn.example/a@b.gguf?sig=x"))
                .isEqualTo("https://cdn.example/a@b.gguf");
        assertThat(ModelFileNames.redact("https://cdn.example")).isEqualTo("https://cdn.example");
    }
}
