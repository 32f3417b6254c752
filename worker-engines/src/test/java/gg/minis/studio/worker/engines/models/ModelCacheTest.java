package gg.minis.studio.worker.engines.models;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.bytes;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.file;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.sha256;
import static gg.minis.studio.worker.engines.models.ModelCacheFixture.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import com.github.tomakehurst.wiremock.core.Options.ChunkedEncodingPolicy;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.models.ModelCacheFixture.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelCacheTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().useChunkedTransferEncoding(ChunkedEncodingPolicy.NEVER)).build();

    /** Chunked bodies carry no Content-Length: the cache learns the size only at the end. */
    @RegisterExtension
    static WireMockExtension chunked = WireMockExtension.newInstance()
            .options(wireMockConfig().dynamicPort().useChunkedTransferEncoding(ChunkedEncodingPolicy.ALWAYS)).build();

    static final byte[] MODEL = bytes(300_000, 42);
    static final String MODEL_SHA = sha256(MODEL);

    @TempDir
    Path root;

    ModelCache cache() {
        return new ModelCache(root, ModelCache.defaultHttpClient());
    }

    ModelFile model(String sha) {
        return file(wm.baseUrl(), "/m/model.gguf?X-Amz-Signature=secret", "model.gguf", sha);
    }

    Path image(String name) {
        return root.resolve("image").resolve(name);
    }

    Path resolve(ModelFile file) throws EngineException {
        return cache().resolve(TaskKind.IMAGE, file, ProgressListener.NONE, CancellationToken.none());
    }

    /** A file in the image folder as an earlier run or another process left it. */
    void put(String name, byte[] content) throws java.io.IOException {
        Files.createDirectories(root.resolve("image"));
        Files.write(image(name), content);
    }

    @Test
    void downloadsVerifiesAndReportsProgress() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        Recorder progress = new Recorder();

        Path path = cache().resolve(TaskKind.IMAGE, model(MODEL_SHA.toUpperCase()), progress, CancellationToken.none());

        assertThat(path).isEqualTo(image("model.gguf"));
        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        progress.assertCompleteAndMonotonic(MODEL.length);
        assertThat(tree(root.resolve("image"))).containsExactly("model.gguf", "model.gguf.lock", "model.gguf.verified");
        assertThat(Files.readString(image("model.gguf.verified"))).contains("sha256=" + MODEL_SHA)
                .contains("size=" + MODEL.length);
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf")).withHeader("Range", absent()));
    }

    @Test
    void downloadsWithoutSha256CheckingOnlyTheLength() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));

        Path path = cache().resolve(TaskKind.AUDIO_STT, model(null), ProgressListener.NONE, CancellationToken.none());

        assertThat(path).isEqualTo(root.resolve("audio_stt").resolve("model.gguf"));
        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
    }

    @Test
    void aBodyOfUnknownLengthEndsWithACompleteReport() throws Exception {
        chunked.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        Recorder progress = new Recorder();

        Path path = cache().resolve(TaskKind.IMAGE, file(chunked.baseUrl(), "/m/model.gguf", "model.gguf", MODEL_SHA),
                progress, CancellationToken.none());

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        assertThat(progress.events.getFirst()).isEqualTo(new Progress("download", 0, 0));
        assertThat(progress.events.getLast()).isEqualTo(new Progress("download", MODEL.length, MODEL.length));
    }

    @ParameterizedTest
    @CsvSource({"404, false", "403, false", "410, false", "408, true", "429, true", "500, true", "503, true"})
    void anErrorStatusNamesTheUrlWithoutItsQuery(int status, boolean retryable) {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(status)));

        assertThatThrownBy(() -> cache().resolve(TaskKind.IMAGE, model(MODEL_SHA), ProgressListener.NONE,
                        CancellationToken.none()))
                .asInstanceOf(type(EngineException.class))
                .satisfies(e -> {
                    assertThat(e.getMessage())
                            .isEqualTo("download of " + wm.baseUrl() + "/m/model.gguf failed: HTTP " + status);
                    assertThat(e.retryable()).isEqualTo(retryable);
                });
        assertThat(image("model.gguf")).doesNotExist();
        assertThat(image("model.gguf.part")).doesNotExist();
    }

    @Test
    void shortBodyFailsAndLeavesOnlyTheResumablePart() throws Exception {
        // The server announces more than it sends, then closes the connection.
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Length", String.valueOf(MODEL.length + 1000)).withBody(MODEL)));

        assertThatThrownBy(() -> cache().resolve(TaskKind.IMAGE, model(null), ProgressListener.NONE,
                        CancellationToken.none()))
                .asInstanceOf(type(EngineException.class))
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith("download of " + wm.baseUrl() + "/m/model.gguf failed: ")
                            .doesNotContain("secret");
                    assertThat(e.retryable()).isTrue();
                });
        assertThat(image("model.gguf")).doesNotExist();
        assertThat(image("model.gguf.verified")).doesNotExist();
        if (Files.exists(image("model.gguf.part"))) { // what arrived, if anything, is kept for resuming
            byte[] part = Files.readAllBytes(image("model.gguf.part"));
            assertThat(part).isEqualTo(Arrays.copyOf(MODEL, part.length));
        }
    }

    @Test
    void aConnectionClosedEarlyKeepsWhatArrivedForResuming() throws Exception {
        try (PartialBodyServer server = PartialBodyServer.hangingUp(MODEL, 1000)) {
            ModelFile file = new ModelFile(ModelFileRole.MODEL, server.url("/m/model.gguf?sig=secret"), "model.gguf",
                    null, null);

            assertThatThrownBy(() -> cache().resolve(TaskKind.IMAGE, file, ProgressListener.NONE,
                            CancellationToken.none()))
                    .asInstanceOf(type(EngineException.class))
                    .satisfies(e -> {
                        assertThat(e.getMessage())
                                .startsWith("download of " + server.url("/m/model.gguf") + " failed: ")
                                .contains("connection lost after 1000 of " + MODEL.length + " bytes");
                        assertThat(e.retryable()).isTrue();
                    });
        }
        assertThat(image("model.gguf")).doesNotExist();
        assertThat(Files.readAllBytes(image("model.gguf.part"))).isEqualTo(Arrays.copyOf(MODEL, 1000));
    }

    @Test
    void sha256MismatchNamesBothHashesAndLeavesNothing() {
        byte[] other = bytes(MODEL.length, 7);
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(other)));

        assertThatThrownBy(() -> cache().resolve(TaskKind.IMAGE, model(MODEL_SHA), ProgressListener.NONE,
                        CancellationToken.none()))
                .asInstanceOf(type(EngineException.class))
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains("model.gguf", "expected " + MODEL_SHA, "got " + sha256(other))
                            .doesNotContain("secret");
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(image("model.gguf")).doesNotExist();
        assertThat(image("model.gguf.part")).doesNotExist();
        assertThat(image("model.gguf.verified")).doesNotExist();
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest() throws Exception {
        int half = MODEL.length / 2;
        put("model.gguf.part", Arrays.copyOf(MODEL, half));
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).withHeader("Range", equalTo("bytes=" + half + "-"))
                .willReturn(aResponse().withStatus(206)
                        .withHeader("Content-Range", "bytes " + half + "-" + (MODEL.length - 1) + "/" + MODEL.length)
                        .withBody(Arrays.copyOfRange(MODEL, half, MODEL.length))));
        Recorder progress = new Recorder();

        Path path = cache().resolve(TaskKind.IMAGE, model(MODEL_SHA), progress, CancellationToken.none());

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        assertThat(image("model.gguf.part")).doesNotExist();
        progress.assertCompleteAndMonotonic(MODEL.length);
        assertThat(progress.events.getFirst().done()).isEqualTo(half);
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf"))
                .withHeader("Range", equalTo("bytes=" + half + "-")));
    }

    @Test
    void restartsFromZeroWhenTheServerIgnoresTheRange() throws Exception {
        put("model.gguf.part", bytes(MODEL.length / 3, 99)); // wrong bytes: must not survive
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        Recorder progress = new Recorder();

        Path path = cache().resolve(TaskKind.IMAGE, model(MODEL_SHA), progress, CancellationToken.none());

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        progress.assertCompleteAndMonotonic(MODEL.length);
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf"))
                .withHeader("Range", equalTo("bytes=" + MODEL.length / 3 + "-")));
    }

    @Test
    void aCompletePartAnswered416IsVerifiedAndInstalled() throws Exception {
        put("model.gguf.part", MODEL);
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(416)
                .withHeader("Content-Range", "bytes */" + MODEL.length)));

        Path path = resolve(model(MODEL_SHA));

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void aStale416PartIsDroppedAndDownloadedAgain() throws Exception {
        put("model.gguf.part", bytes(MODEL.length + 10, 5)); // longer than the file: useless
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).withHeader("Range", absent())
                .willReturn(aResponse().withStatus(200).withBody(MODEL)));
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf"))
                .withHeader("Range", equalTo("bytes=" + (MODEL.length + 10) + "-"))
                .willReturn(aResponse().withStatus(416).withHeader("Content-Range", "bytes */" + MODEL.length)));

        Path path = resolve(model(MODEL_SHA));

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
        wm.verify(2, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void aVerifiedFileIsReusedWithoutAnyRequestAlsoAfterARestart() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        Path first = resolve(model(MODEL_SHA));
        ModelCache cache = cache();
        Path again = cache.resolve(TaskKind.IMAGE, model(MODEL_SHA), ProgressListener.NONE, CancellationToken.none());

        ModelCache restarted = cache(); // a new process: only the disk is shared
        assertThat(restarted.cached(TaskKind.IMAGE, model(MODEL_SHA))).contains(first);
        Recorder progress = new Recorder();
        Path afterRestart = restarted.resolve(TaskKind.IMAGE, model(MODEL_SHA), progress, CancellationToken.none());

        assertThat(again).isEqualTo(first);
        assertThat(afterRestart).isEqualTo(first);
        assertThat(progress.events).isEmpty();
        wm.verify(1, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void aTouchedFileIsHashedAgainAndACorruptOneDownloadedAgain() throws Exception {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        Path path = resolve(model(MODEL_SHA));

        // Same bytes, new mtime: the marker is stale, a re-hash vouches for the file again.
        Files.setLastModifiedTime(path, FileTime.fromMillis(Files.getLastModifiedTime(path).toMillis() - 60_000));
        assertThat(cache().cached(TaskKind.IMAGE, model(MODEL_SHA))).contains(path);
        assertThat(Files.readString(image("model.gguf.verified")))
                .contains("mtime=" + Files.getLastModifiedTime(path).toMillis());
        // Same size, other bytes: not the model any more.
        Files.write(path, bytes(MODEL.length, 3));
        assertThat(cache().cached(TaskKind.IMAGE, model(MODEL_SHA))).isEmpty();
        assertThat(cache().cached(TaskKind.IMAGE, model(null))).isEmpty(); // the marker's hash still disagrees
        Path again = resolve(model(MODEL_SHA));

        assertThat(Files.readAllBytes(again)).isEqualTo(MODEL);
        wm.verify(2, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void aFilePlacedByHandIsUsedWhenItsHashMatches() throws Exception {
        put("model.gguf", MODEL);

        Path path = resolve(model(MODEL_SHA));

        assertThat(path).isEqualTo(image("model.gguf"));
        assertThat(image("model.gguf.verified")).exists();
        wm.verify(0, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }

    @Test
    void followsRedirectsAndKeepsTheRangeHeader() throws Exception {
        int third = MODEL.length / 3;
        put("model.gguf.part", Arrays.copyOf(MODEL, third));
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf"))
                .willReturn(aResponse().withStatus(302).withHeader("Location", "/cdn/blob?token=xyz")));
        wm.stubFor(get(urlPathEqualTo("/cdn/blob")).withHeader("Range", equalTo("bytes=" + third + "-"))
                .willReturn(aResponse().withStatus(206)
                        .withHeader("Content-Range", "bytes " + third + "-" + (MODEL.length - 1) + "/" + MODEL.length)
                        .withBody(Arrays.copyOfRange(MODEL, third, MODEL.length))));

        Path path = resolve(model(MODEL_SHA));

        assertThat(Files.readAllBytes(path)).isEqualTo(MODEL);
    }

    @Test
    void aStalledBodyTimesOutAsRetryableAndKeepsThePart() throws Exception {
        try (PartialBodyServer server = PartialBodyServer.stalling(MODEL, 1000)) {
            ModelCache cache = new ModelCache(root, ModelCache.defaultHttpClient(), Duration.ofMillis(500));
            ModelFile stalled = new ModelFile(ModelFileRole.MODEL, server.url("/m/model.gguf?sig=secret"), "model.gguf",
                    null, MODEL_SHA);

            assertThatThrownBy(() -> cache.resolve(TaskKind.IMAGE, stalled, ProgressListener.NONE,
                            CancellationToken.none()))
                    .asInstanceOf(type(EngineException.class))
                    .satisfies(e -> {
                        assertThat(e.getMessage()).isEqualTo("download of " + server.url("/m/model.gguf")
                                + " failed: no data for 500 ms after 1000 of " + MODEL.length + " bytes");
                        assertThat(e.retryable()).isTrue();
                    });
        }
        assertThat(image("model.gguf")).doesNotExist();
        assertThat(Files.readAllBytes(image("model.gguf.part"))).isEqualTo(Arrays.copyOf(MODEL, 1000));
    }

    @Test
    void slowHeadersTimeOutAsRetryable() {
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf"))
                .willReturn(aResponse().withStatus(200).withBody(MODEL).withFixedDelay(10_000)));
        ModelCache cache = new ModelCache(root, ModelCache.defaultHttpClient(), Duration.ofMillis(500));

        assertThatThrownBy(() -> cache.resolve(TaskKind.IMAGE, model(MODEL_SHA), ProgressListener.NONE,
                        CancellationToken.none()))
                .asInstanceOf(type(EngineException.class))
                .satisfies(e -> {
                    assertThat(e.getMessage()).isEqualTo(
                            "download of " + wm.baseUrl() + "/m/model.gguf failed: no response within 500 ms");
                    assertThat(e.retryable()).isTrue();
                });
    }

    @Test
    void resolveAllKeepsTheOrderOfFiles() throws Exception {
        byte[] vae = bytes(10_000, 1);
        wm.stubFor(get(urlPathEqualTo("/m/model.gguf")).willReturn(aResponse().withStatus(200).withBody(MODEL)));
        wm.stubFor(get(urlPathEqualTo("/m/vae.safetensors")).willReturn(aResponse().withStatus(200).withBody(vae)));
        ModelSource source = new ModelSource("sd-cpp", List.of(
                new ModelFile(ModelFileRole.VAE, wm.baseUrl() + "/m/vae.safetensors", "vae.safetensors", null,
                        sha256(vae)),
                new ModelFile(ModelFileRole.DIFFUSION_MODEL, wm.baseUrl() + "/m/model.gguf", "model.gguf", 300_000L,
                        MODEL_SHA)), null);

        List<Path> paths = cache().resolveAll(TaskKind.IMAGE, source, ProgressListener.NONE, CancellationToken.none());

        assertThat(paths).containsExactly(image("vae.safetensors"), image("model.gguf"));
        assertThat(Files.readAllBytes(paths.get(0))).isEqualTo(vae);
    }

    @Test
    void resolveAllChecksEveryNameBeforeTheFirstDownload() {
        ModelSource source = new ModelSource("sd-cpp", List.of(
                model(MODEL_SHA),
                new ModelFile(ModelFileRole.VAE, wm.baseUrl() + "/m/vae", "../vae.safetensors", null, null)), null);

        assertThatThrownBy(() -> cache().resolveAll(TaskKind.IMAGE, source, ProgressListener.NONE,
                        CancellationToken.none()))
                .isInstanceOf(EngineException.class)
                .hasMessage("modelSource.files[].filename '../vae.safetensors' is not a plain file name");
        wm.verify(0, getRequestedFor(urlPathEqualTo("/m/model.gguf")));
    }
}
