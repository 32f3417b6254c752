package gg.minis.studio.worker.runner.telemetry;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.session.SessionListener;
import io.sentry.Sentry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sentry against a WireMock DSN endpoint: what arrives, and that nothing secret or private is in it. */
class TelemetryTest {
    private static final String TOKEN = "wt_live_5f1c2a9be07d4e31";
    private static final String SECRET = "9f".repeat(32);
    private static final String PROMPT = "a haunted lighthouse painted by moonlight";

    private WireMockServer server;
    private LogShipper shipper;
    private Telemetry telemetry;

    @BeforeEach
    void start() {
        server = new WireMockServer(wireMockConfig().dynamicPort());
        server.start();
        server.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withBody("{}")));
        shipper = new LogShipper(16);
        shipper.addSecret(TOKEN);
        shipper.addSecret(SECRET);
    }

    @AfterEach
    void stop() {
        if (telemetry != null) {
            telemetry.close();
        }
        Sentry.close();
        server.stop();
    }

    private Map<String, String> env() {
        return Map.of(Telemetry.DSN_ENV, "http://publickey@localhost:" + server.port() + "/1", "PATH", "/usr/bin");
    }

    private static JobClaim claim() {
        return JobClaim.local("job-7", "sdxl", ImageTask.of(PROMPT), ModelSource.of("sd-cpp"));
    }

    @Test
    void jobFailuresAndUnhandledErrorsArriveScrubbed() throws Exception {
        telemetry = Telemetry.start(env(), shipper, o -> o.setFlushTimeoutMillis(5_000));
        assertThat(telemetry.enabled()).isTrue();

        SessionListener listener = telemetry.jobListener("sd-cpp");
        listener.onJobStarted(claim());
        listener.onJobFinished(claim(), Duration.ofSeconds(3),
                "sampler failed for prompt '" + PROMPT + "' using token " + TOKEN);
        telemetry.captureUnexpected(new IllegalStateException("request {\"prompt\": \"" + PROMPT
                + "\", \"registration_secret\": \"" + SECRET + "\"} refused"));
        Thread crashing = new Thread(() -> {
            throw new IllegalArgumentException("cannot parse " + PROMPT + " with Bearer " + TOKEN);
        }, "crashing");
        crashing.start();
        crashing.join();
        telemetry.flush(Duration.ofSeconds(10));

        List<String> bodies = bodies();
        String all = String.join("\n", bodies);
        assertThat(bodies.stream().filter(b -> b.contains("\"type\":\"event\""))).hasSize(3);
        assertThat(all).contains("\"release\":\"studio-worker-java@" + Version.current() + "\"")
                .contains("job failed: sampler failed for prompt")
                .contains("\"kind\":\"image\"").contains("\"engine\":\"sd-cpp\"")
                .contains("IllegalStateException").contains("IllegalArgumentException")
                .contains("<redacted>");
        assertThat(all).doesNotContain(TOKEN).doesNotContain(SECRET).doesNotContain(PROMPT)
                .doesNotContain("haunted lighthouse");
    }

    @Test
    void withoutSentryDsnNothingIsInitialisedOrSent() throws Exception {
        telemetry = Telemetry.start(Map.of("SENTRY_DSN_OTHER", env().get(Telemetry.DSN_ENV), "SENTRY_DSN", " "),
                shipper);
        assertThat(telemetry.enabled()).isFalse();
        assertThat(Sentry.isEnabled()).isFalse();
        assertThat(telemetry.jobListener("sd-cpp")).isSameAs(SessionListener.NONE);
        telemetry.captureUnexpected(new IllegalStateException("boom"));
        Sentry.captureMessage("would go nowhere");
        telemetry.flush(Duration.ofMillis(500));
        Sentry.flush(500);
        server.verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void aBadDsnLeavesTelemetryOff() {
        telemetry = Telemetry.start(Map.of(Telemetry.DSN_ENV, "not a dsn"), shipper);
        assertThat(telemetry.enabled()).isFalse();
    }

    /** Every envelope Sentry posted, decompressed when gzipped. */
    private List<String> bodies() {
        List<LoggedRequest> requests = server.findAll(postRequestedFor(urlEqualTo("/api/1/envelope/")));
        assertThat(requests).isNotEmpty();
        return requests.stream().map(r -> decode(r.getBody())).toList();
    }

    private static String decode(byte[] body) {
        if (body.length > 2 && (body[0] & 0xff) == 0x1f && (body[1] & 0xff) == 0x8b) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        return new String(body, StandardCharsets.UTF_8);
    }
}
