package gg.minis.studio.worker.runner.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import gg.minis.studio.worker.runner.Version;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner update} and the update line of {@code runner status}, against a WireMock release feed. */
class UpdateCommandTest {
    private static final byte[] JAR = "new runner".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private WireMockServer server;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        server.stubFor(get(urlEqualTo("/dl/runner.jar")).willReturn(aResponse().withBody(JAR)));
        CliRunner set = CliRunner.run("--config", config(), "config", "set", "auto_update_feed",
                server.baseUrl() + "/releases");
        assertThat(set.exitCode()).as(set.err()).isZero();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private String config() {
        return dir.resolve("config.toml").toString();
    }

    private void feed(String checksumAsset) {
        String checksum = checksumAsset == null ? "" : ",{\"name\":\"" + checksumAsset
                + "\",\"browser_download_url\":\"" + server.baseUrl() + "/dl/" + checksumAsset + "\"}";
        server.stubFor(get(urlEqualTo("/releases")).willReturn(okJson("[{\"tag_name\":\"v99.0.0\",\"prerelease\":false,"
                + "\"draft\":false,\"assets\":[{\"name\":\"runner.jar\",\"browser_download_url\":\"" + server.baseUrl()
                + "/dl/runner.jar\"}" + checksum + "]}]")));
    }

    @Test
    void checkPrintsTheComparisonAndStatusShowsIt() {
        feed(null);
        CliRunner check = CliRunner.run("--config", config(), "update", "--check");
        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(check.out().strip()).isEqualTo("update available: 99.0.0 (you run " + Version.current()
                + "); run 'runner update'");
        assertThat(dir.resolve("update-check.json")).exists();
        assertThat(dir.resolve("updates")).doesNotExist();

        CliRunner status = CliRunner.run("--config", config(), "status");
        assertThat(status.out()).containsPattern(
                "update: +update available: 99\\.0\\.0 \\(you run [^)]+\\); run 'runner update', checked \\d{4}-");
    }

    @Test
    void updateDownloadsVerifiesAndSaysHowToSwitch() throws Exception {
        feed("runner.jar.sha256");
        server.stubFor(get(urlEqualTo("/dl/runner.jar.sha256")).willReturn(aResponse().withBody(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(JAR)) + "  runner.jar")));
        CliRunner update = CliRunner.run("--config", config(), "update");
        assertThat(update.exitCode()).as(update.err()).isZero();
        Path staged = dir.resolve("updates/99.0.0/runner.jar");
        assertThat(Files.readAllBytes(staged)).isEqualTo(JAR);
        assertThat(update.out()).contains("verified against runner.jar.sha256").contains("staged: " + staged)
                .contains("cp " + staged + " ");
    }

    @Test
    void aMismatchIsOneLineExitOneAndNothingStaged() {
        feed("runner.jar.sha256");
        server.stubFor(get(urlEqualTo("/dl/runner.jar.sha256")).willReturn(aResponse().withBody("00".repeat(32))));
        CliRunner update = CliRunner.run("--config", config(), "update");
        assertThat(update.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(update.err().strip()).startsWith("runner: update failed: runner.jar does not match")
                .doesNotContain("\n");
        assertThat(dir.resolve("updates/99.0.0")).doesNotExist();
    }

    @Test
    void noChecksumIsRefusedUnlessInsecure() {
        feed(null);
        CliRunner refused = CliRunner.run("--config", config(), "update");
        assertThat(refused.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(refused.err()).contains("--insecure-skip-verify");
        CliRunner insecure = CliRunner.run("--config", config(), "update", "--insecure-skip-verify");
        assertThat(insecure.exitCode()).as(insecure.err()).isZero();
        assertThat(insecure.out()).contains("NOT verified");
    }

    @Test
    void aBrokenFeedIsOneLineAndExitOne() {
        server.stubFor(get(urlEqualTo("/releases")).willReturn(aResponse().withStatus(502)));
        CliRunner check = CliRunner.run("--config", config(), "update", "--check");
        assertThat(check.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(check.err().strip()).startsWith("runner: update check failed: ").contains("HTTP 502")
                .doesNotContain("\n");
    }
}
