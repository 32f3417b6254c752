package gg.minis.studio.worker.runner.localstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;

class LocalStudioMultipartTest extends StudioTestBase {
    private static final byte[] WEBP = "RIFF\0\0\0\0WEBPVP8 fake image".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    /** A welcomed worker that has accepted {@code jobId}. */
    private RawWorker acceptedJob(String jobId) throws Exception {
        studio.submit(SampleJobs.image(jobId, "a red fox"));
        RawWorker w = RawWorker.welcomed(studio, creds);
        assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo(jobId);
        w.send(new WorkerFrame.Accept(jobId));
        studio.awaitEvent(e -> e.is(StudioEvent.Kind.RECEIVED, "accept")).get(15, TimeUnit.SECONDS);
        return w;
    }

    @Test
    void multipartCompleteIsStoredAnswered204AndTheNextJobFollowsWithoutReadyForMore() throws Exception {
        try (RawWorker w = acceptedJob("img-1")) {
            studio.submit(SampleJobs.image("img-2", "a blue fox"));
            HttpResponse<String> res = Multipart.complete("img-1", "a red fox", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "img-1", creds.authToken());
            assertThat(res.statusCode()).isEqualTo(204);
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("img-2");
        }
        JobRecord r = studio.awaitOutcome("img-1").get(15, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.bytes()).isEqualTo(WEBP);
        assertThat(r.ext()).isEqualTo("webp");
        assertThat(r.filename()).isEqualTo("img-1.webp");
        assertThat(r.contentType()).isEqualTo("image/webp");
        assertThat(r.prompt()).isEqualTo("a red fox");
        assertThat(r.completionCount()).isEqualTo(1);
        assertThat(studio.violations()).isEmpty();
    }

    @Test
    void largeUploadsSurvive() throws Exception {
        byte[] big = new byte[6 << 20];
        new Random(7).nextBytes(big);
        try (RawWorker _ = acceptedJob("big")) {
            HttpResponse<String> res = Multipart.complete("big", "p", "mp4", "video/mp4", big)
                    .post(studio, creds.workerId(), "big", creds.authToken());
            assertThat(res.statusCode()).isEqualTo(204);
        }
        assertThat(studio.job("big").orElseThrow().bytes()).isEqualTo(big);
    }

    @Test
    void authAndUnknownJobs() throws Exception {
        try (RawWorker _ = acceptedJob("mine")) {
            var other = studio.newWorker();
            assertThat(Multipart.complete("mine", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "mine", "wrong-token").statusCode()).isEqualTo(401);
            assertThat(Multipart.complete("mine", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "mine", null).statusCode()).isEqualTo(401);
            assertThat(Multipart.complete("mine", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "mine", other.authToken()).statusCode()).isEqualTo(401);
            assertThat(Multipart.complete("nope", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "nope", creds.authToken()).statusCode()).isEqualTo(404);
            assertThat(Multipart.complete("mine", "p", "webp", "image/webp", WEBP)
                    .post(studio, other.workerId(), "mine", other.authToken()).statusCode()).isEqualTo(409);
        }
        assertThat(studio.job("mine").orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);
        assertThat(studio.unexpectedCompletions()).extracting(LocalStudio.UnexpectedCompletion::jobId)
                .containsExactly("nope", "mine");
    }

    @Test
    void injected503ThenSuccessIsOneCompletion() throws Exception {
        try (RawWorker _ = acceptedJob("retry")) {
            studio.faults().failNextCompletes(1, 503);
            var first = Multipart.complete("retry", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "retry", creds.authToken());
            assertThat(first.statusCode()).isEqualTo(503);
            assertThat(studio.job("retry").orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);
            var second = Multipart.complete("retry", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "retry", creds.authToken());
            assertThat(second.statusCode()).isEqualTo(204);
        }
        JobRecord r = studio.awaitOutcome("retry").get(15, TimeUnit.SECONDS);
        assertThat(r.completionCount()).isEqualTo(1);
    }

    @Test
    void aHungCompleteThatTheClientAbandonsIsNotStored() throws Exception {
        try (RawWorker _ = acceptedJob("hang")) {
            // Far longer than the client waits: it always hangs up first, however slowly this machine runs.
            studio.faults().hangNextCompletes(1, Duration.ofSeconds(30));
            assertThatThrownBy(() -> Multipart.complete("hang", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "hang", creds.authToken(), Duration.ofMillis(200)))
                    .isInstanceOf(HttpTimeoutException.class);
            studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.HTTP && "abandoned by client".equals(e.detail()))
                    .get(15, TimeUnit.SECONDS);
            assertThat(studio.job("hang").orElseThrow().completionCount()).isZero();

            studio.faults().hangNextCompletes(1, Duration.ofMillis(150));
            long t0 = System.nanoTime();
            var res = Multipart.complete("hang", "p", "webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "hang", creds.authToken());
            assertThat(res.statusCode()).isEqualTo(204);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        }
        assertThat(studio.job("hang").orElseThrow().completionCount()).isEqualTo(1);
    }

    @Test
    void missingPartsAndWrongContentTypesAre4xx() throws Exception {
        try (RawWorker _ = acceptedJob("parts")) {
            var noImage = new Multipart().text("prompt", "p").text("ext", "webp")
                    .post(studio, creds.workerId(), "parts", creds.authToken());
            assertThat(noImage.statusCode()).isEqualTo(400);
            assertThat(WireJson.mapper().readTree(noImage.body()).get("field").asText()).isEqualTo("image");

            var noExt = new Multipart().text("prompt", "p").file("image", "parts.webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "parts", creds.authToken());
            assertThat(noExt.statusCode()).isEqualTo(400);
            assertThat(noExt.body()).contains("ext");

            var noPrompt = new Multipart().text("ext", "webp").file("image", "parts.webp", "image/webp", WEBP)
                    .post(studio, creds.workerId(), "parts", creds.authToken());
            assertThat(noPrompt.statusCode()).isEqualTo(400);
            assertThat(noPrompt.body()).contains("prompt");

            URI uri = URI.create(studio.apiUrl() + "/workers/" + creds.workerId() + "/jobs/parts/complete");
            var json = RawWorker.HTTP.send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + creds.authToken())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(json.statusCode()).isEqualTo(415);
        }
        assertThat(studio.job("parts").orElseThrow().completionCount()).isZero();
    }

    @Test
    void contractDeviationsAreListed() throws Exception {
        try (RawWorker w = acceptedJob("dev")) {
            var res = new Multipart().text("prompt", "p").text("ext", "png")
                    .file("image", "whatever.bin", "application/octet-stream", WEBP)
                    .post(studio, creds.workerId(), "dev", creds.authToken());
            assertThat(res.statusCode()).isEqualTo(204);
            w.send(new WorkerFrame.ReadyForMore());
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            w.next(StudioFrame.HeartbeatAck.class);
        }
        assertThat(studio.violations()).hasSize(3)
                .anySatisfy(v -> assertThat(v).contains("filename 'whatever.bin'").contains("dev.png"))
                .anySatisfy(v -> assertThat(v).contains("content type").contains("image/png"))
                .anySatisfy(v -> assertThat(v).contains("readyForMore after a multipart complete"));
    }
}
