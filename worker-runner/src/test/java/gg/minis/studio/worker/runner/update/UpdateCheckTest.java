package gg.minis.studio.worker.runner.update;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import gg.minis.studio.worker.runner.update.UpdateCheckResult.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The feed as a real HTTP peer (WireMock) serves it; the running version is 1.2.0 on linux-x86_64. */
class UpdateCheckTest {
    private static final Platform LINUX = Platform.of("Linux", "amd64");
    private WireMockServer server;
    private ReleaseFeedFixture feed;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        feed = new ReleaseFeedFixture(server.baseUrl());
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private UpdateCheckResult check(String json, boolean prereleases) {
        return check(json, prereleases, LINUX);
    }

    private UpdateCheckResult check(String json, boolean prereleases, Platform platform) {
        server.stubFor(get(urlEqualTo("/releases")).willReturn(okJson(json)));
        return checker(prereleases, platform).run();
    }

    private UpdateCheck checker(boolean prereleases, Platform platform) {
        return new UpdateCheck(HttpClient.newHttpClient(), URI.create(server.baseUrl() + "/releases"), prereleases,
                "1.2.0", platform, Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC));
    }

    @Test
    void newerReleaseIsOfferedWithItsJarAndChecksum() {
        UpdateCheckResult r = check(feed.release("v1.3.0", "runner.jar", "runner.jar.sha256")
                .release("v1.2.0", "runner.jar").json(), false);
        assertThat(r.outcome()).isEqualTo(Outcome.AVAILABLE);
        assertThat(r.update().version()).isEqualTo("1.3.0");
        assertThat(r.update().tag()).isEqualTo("v1.3.0");
        assertThat(r.update().asset().name()).isEqualTo("runner.jar");
        assertThat(r.update().asset().browserDownloadUrl()).isEqualTo(server.baseUrl() + "/dl/v1.3.0/runner.jar");
        assertThat(r.update().checksum().name()).isEqualTo("runner.jar.sha256");
        assertThat(r.checkedAt()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(r.summary()).isEqualTo("update available: 1.3.0 (you run 1.2.0); run 'runner update'");
    }

    @Test
    void theNewestWinsWhateverTheFeedOrder() {
        UpdateCheckResult r = check(feed.release("v1.2.5", "runner.jar").release("v1.10.0", "runner.jar")
                .release("v1.9.0", "runner.jar").json(), false);
        assertThat(r.update().version()).isEqualTo("1.10.0");
    }

    @Test
    void olderOrEqualReleasesMeanUpToDate() {
        assertThat(check(feed.release("v1.1.9", "runner.jar").json(), false).outcome()).isEqualTo(Outcome.UP_TO_DATE);
        UpdateCheckResult equal = check(new ReleaseFeedFixture(server.baseUrl())
                .release("v1.2.0+build.5", "runner.jar").json(), false);
        assertThat(equal.outcome()).isEqualTo(Outcome.UP_TO_DATE);
        assertThat(equal.latestVersion()).isEqualTo("1.2.0");
        assertThat(equal.update()).isNull();
        assertThat(check("[]", false).outcome()).isEqualTo(Outcome.UP_TO_DATE);
    }

    @Test
    void draftsAreSkipped() {
        UpdateCheckResult r = check(feed.release("v2.0.0", false, true, "runner.jar")
                .release("v1.3.0", "runner.jar").json(), true);
        assertThat(r.update().version()).isEqualTo("1.3.0");
    }

    @Test
    void preReleasesOnlyWhenEnabled() {
        String json = feed.release("v1.4.0-rc.1", true, false, "runner.jar").release("v1.3.0", "runner.jar")
                // a pre-release by its tag counts as one even if the flag says otherwise
                .release("v1.5.0-beta.2", false, false, "runner.jar").json();
        assertThat(check(json, false).update().version()).isEqualTo("1.3.0");
        assertThat(check(json, true).update().version()).isEqualTo("1.5.0-beta.2");
    }

    @Test
    void aReleaseBeatsItsOwnPreRelease() {
        String json = feed.release("v1.3.0-rc.1", true, false, "runner.jar").release("v1.3.0", "runner.jar").json();
        assertThat(check(json, true).update().version()).isEqualTo("1.3.0");
    }

    @Test
    void malformedJsonIsAFailedCheckNotAnException() {
        UpdateCheckResult r = check("[{\"tag_name\": \"v9.0.0\", ", false);
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.problem()).contains("not valid JSON").contains("/releases");
        assertThat(r.summary()).startsWith("update check failed: ");
    }

    @Test
    void aFeedThatIsNotAListFails() {
        UpdateCheckResult r = check("{\"message\": \"API rate limit exceeded\"}", false);
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.problem()).contains("not a JSON list");
    }

    @Test
    void nonSemverTagsAndOddEntriesAreSkipped() {
        UpdateCheckResult r = check(feed.release("nightly", "runner.jar").release("latest", "runner.jar")
                .release("v1.3", "runner.jar").raw("42").raw("{\"tag_name\": null}")
                .raw("{\"tag_name\": \"v1.4.0\", \"assets\": \"none\"}")
                .release("v1.3.0", "runner.jar").json(), false);
        assertThat(r.outcome()).isEqualTo(Outcome.AVAILABLE);
        assertThat(r.update().version()).isEqualTo("1.3.0");
    }

    @Test
    void aNewerReleaseWithoutARunnerJarIsAWarningAndNoUpdate() {
        UpdateCheckResult r = check(feed.release("v1.3.0", "source.tar.gz", "runner-sources.jar").json(), false);
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.update()).isNull();
        assertThat(r.problem()).contains("v1.3.0").contains("no runner jar").contains("linux-x86_64");
    }

    @Test
    void theJarForThisPlatformIsPicked() {
        String json = feed.release("v1.3.0", "studio-worker-1.3.0-windows-x86_64.jar",
                "studio-worker-1.3.0-linux-aarch64.jar", "studio-worker-1.3.0-linux-x86_64.jar",
                "studio-worker-1.3.0.jar", "SHA256SUMS").json();
        assertThat(check(json, false, LINUX).update().asset().name())
                .isEqualTo("studio-worker-1.3.0-linux-x86_64.jar");
        assertThat(check(json, false, Platform.of("Linux", "aarch64")).update().asset().name())
                .isEqualTo("studio-worker-1.3.0-linux-aarch64.jar");
        assertThat(check(json, false, Platform.of("Mac OS X", "aarch64")).update().asset().name())
                .isEqualTo("studio-worker-1.3.0.jar");
        assertThat(check(json, false, LINUX).update().checksum().name()).isEqualTo("SHA256SUMS");
    }

    @Test
    void httpErrorsFailWithTheStatus() {
        server.stubFor(get(urlEqualTo("/releases")).willReturn(aResponse().withStatus(503)));
        UpdateCheckResult r = checker(false, LINUX).run();
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.problem()).contains("HTTP 503");
        server.stubFor(get(urlEqualTo("/releases")).willReturn(aResponse().withStatus(404)));
        assertThat(checker(false, LINUX).run().problem()).contains("HTTP 404");
    }

    @Test
    void anUnreachableFeedFails() {
        UpdateCheck check = checker(false, LINUX);
        server.stop();
        UpdateCheckResult r = check.run();
        assertThat(r.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(r.problem()).contains("cannot reach");
    }

    @Test
    void aRunningVersionThatIsNotSemverFails() {
        server.stubFor(get(urlEqualTo("/releases")).willReturn(okJson(feed.release("v1.3.0", "runner.jar").json())));
        UpdateCheck check = new UpdateCheck(HttpClient.newHttpClient(), URI.create(server.baseUrl() + "/releases"),
                false, "dev-build", LINUX, Clock.systemUTC());
        assertThat(check.run().problem()).contains("dev-build");
    }
}
