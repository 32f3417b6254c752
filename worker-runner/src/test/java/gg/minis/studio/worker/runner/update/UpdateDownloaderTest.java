package gg.minis.studio.worker.runner.update;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import gg.minis.studio.worker.api.update.ReleaseAsset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateDownloaderTest {
    private static final byte[] JAR = "PK\3\4 pretend this is runner 1.3.0".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private WireMockServer server;
    private Path staging;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        server.stubFor(get(urlEqualTo("/dl/runner.jar")).willReturn(aResponse().withBody(JAR)));
        staging = dir.resolve("updates");
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private ReleaseAsset asset(String name) {
        return new ReleaseAsset(name, server.baseUrl() + "/dl/" + name);
    }

    private void serve(String name, String body) {
        server.stubFor(get(urlEqualTo("/dl/" + name)).willReturn(aResponse().withBody(body)));
    }

    private UpdateInfo update(String checksumName) {
        return new UpdateInfo("1.3.0", "v1.3.0", asset("runner.jar"),
                checksumName == null ? null : asset(checksumName));
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void downloadsAndVerifiesAgainstItsOwnSha256File() throws Exception {
        serve("runner.jar.sha256", sha256(JAR) + "  runner.jar\n");
        Path jar = new UpdateDownloader().download(update("runner.jar.sha256"), staging, false);
        assertThat(jar).isEqualTo(staging.resolve("1.3.0").resolve("runner.jar"));
        assertThat(Files.readAllBytes(jar)).isEqualTo(JAR);
        try (var files = Files.list(jar.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("runner.jar");
        }
    }

    @Test
    void aBareHashInTheSha256FileIsEnough() throws Exception {
        serve("runner.jar.sha256", sha256(JAR).toUpperCase() + "\n");
        assertThat(new UpdateDownloader().download(update("runner.jar.sha256"), staging, false)).exists();
    }

    @Test
    void downloadsAndVerifiesAgainstSha256Sums() throws Exception {
        serve("SHA256SUMS", "0".repeat(64) + "  other.jar\n" + sha256(JAR) + " *runner.jar\n");
        Path jar = new UpdateDownloader().download(update("SHA256SUMS"), staging, false);
        assertThat(Files.readAllBytes(jar)).isEqualTo(JAR);
    }

    @Test
    void aMismatchIsRefusedAndLeavesNothingInStaging() {
        serve("runner.jar.sha256", "ab".repeat(32) + "  runner.jar\n");
        assertThatThrownBy(() -> new UpdateDownloader().download(update("runner.jar.sha256"), staging, false))
                .isInstanceOf(UpdateException.class)
                .hasMessageContaining("does not match").hasMessageContaining("ab".repeat(32));
        assertThat(staging.resolve("1.3.0")).doesNotExist();
    }

    @Test
    void aMismatchIsRefusedEvenWithInsecureSkipVerify() {
        serve("runner.jar.sha256", "ab".repeat(32));
        assertThatThrownBy(() -> new UpdateDownloader().download(update("runner.jar.sha256"), staging, true))
                .isInstanceOf(UpdateException.class);
        assertThat(staging.resolve("1.3.0")).doesNotExist();
    }

    @Test
    void sumsWithoutALineForTheJarAreRefused() {
        serve("SHA256SUMS", "0".repeat(64) + "  other.jar\n");
        assertThatThrownBy(() -> new UpdateDownloader().download(update("SHA256SUMS"), staging, false))
                .hasMessageContaining("no SHA-256 for runner.jar");
        server.verify(0, getRequestedFor(urlEqualTo("/dl/runner.jar")));
    }

    @Test
    void noChecksumIsRefusedUnlessInsecureSkipVerify() throws Exception {
        assertThatThrownBy(() -> new UpdateDownloader().download(update(null), staging, false))
                .isInstanceOf(UpdateException.class)
                .hasMessageContaining("no checksum").hasMessageContaining("--insecure-skip-verify");
        server.verify(0, getRequestedFor(urlEqualTo("/dl/runner.jar")));
        assertThat(staging).doesNotExist();

        Path jar = new UpdateDownloader().download(update(null), staging, true);
        assertThat(Files.readAllBytes(jar)).isEqualTo(JAR);
    }

    @Test
    void httpErrorsFailAndLeaveNothing() throws Exception {
        serve("runner.jar.sha256", sha256(JAR));
        server.stubFor(get(urlEqualTo("/dl/runner.jar")).willReturn(aResponse().withStatus(404)));
        assertThatThrownBy(() -> new UpdateDownloader().download(update("runner.jar.sha256"), staging, false))
                .hasMessageContaining("HTTP 404");
        assertThat(staging.resolve("1.3.0")).doesNotExist();

        server.stubFor(get(urlEqualTo("/dl/runner.jar.sha256")).willReturn(aResponse().withStatus(500)));
        assertThatThrownBy(() -> new UpdateDownloader().download(update("runner.jar.sha256"), staging, false))
                .hasMessageContaining("HTTP 500");
    }

    @Test
    void unsafeAssetNamesAreRefused() {
        UpdateInfo evil = new UpdateInfo("1.3.0", "v1.3.0", new ReleaseAsset("../../evil.jar",
                server.baseUrl() + "/dl/runner.jar"), null);
        assertThatThrownBy(() -> new UpdateDownloader().download(evil, staging, true))
                .hasMessageContaining("refusing");
        assertThat(staging).doesNotExist();
    }
}
