package gg.minis.studio.worker.runner.session;

import static gg.minis.studio.worker.runner.session.SessionFixtures.await;
import static gg.minis.studio.worker.runner.session.SessionFixtures.awaitEvent;
import static gg.minis.studio.worker.runner.session.SessionFixtures.events;
import static gg.minis.studio.worker.runner.session.SessionFixtures.worker;
import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import gg.minis.studio.worker.runner.session.SessionFixtures.GatedEngine;
import gg.minis.studio.worker.runner.session.SessionFixtures.Running;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offers, admission and results, end to end between a real Worker and a real LocalStudio. */
class WorkerSessionJobsTest extends StudioTestBase {
    /** Longer than any preview a studio UI would show, with non-ASCII text: it must come back whole. */
    private static final String LONG = " — a lighthouse on a cliff at dusk, gulls, spray, warm light, "
            + "ünïcödé ✓, ".repeat(12) + "end.";

    @TempDir
    Path spool;

    @Test
    void everyTaskKindGoesAroundTheFullLoop() throws Exception {
        String imagePrompt = "png" + LONG;
        JobClaim png = SampleJobs.claim("job-png", new ImageTask(imagePrompt, null, null, null, null, null, null,
                null, 7L, 48, 32, 2, "png"), "png");
        JobClaim webp = SampleJobs.claim("job-webp", new ImageTask("webp" + LONG, null, null, null, null, null,
                null, null, 8L, 32, 48, 2, "webp"), "webp");
        JobClaim llm = SampleJobs.llm("job-llm", "llm" + LONG);
        JobClaim stt = SampleJobs.claim("job-stt", new SttTask("https://example.invalid/clip.wav", "en", null,
                "stt" + LONG, null, null), "json");
        JobClaim tts = SampleJobs.claim("job-tts", TtsTask.of("tts" + LONG), "wav");
        JobClaim gif = SampleJobs.claim("job-gif", new VideoTask("gif" + LONG, null, null, 0.5, 4, 32, 32, "gif"),
                "gif");
        List<JobClaim> all = List.of(png, webp, llm, stt, tts, gif);

        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            all.forEach(studio::submit);
            for (JobClaim claim : all) {
                JobRecord r = await(studio.awaitOutcome(claim.jobId()));
                assertThat(r.status()).as(r.toString()).isEqualTo(JobStatus.COMPLETED);
                assertThat(r.outcomeCount()).isEqualTo(1);
                assertThat(r.prompt()).as("full prompt of %s", claim.jobId()).isEqualTo(claim.fullPrompt());
            }
            Map<JobClaim, String[]> binaries = Map.of(
                    png, new String[] {"png", "image/png"},
                    webp, new String[] {"webp", "image/webp"},
                    tts, new String[] {"wav", "audio/wav"},
                    gif, new String[] {"gif", "image/gif"});
            for (var e : binaries.entrySet()) {
                JobRecord r = studio.job(e.getKey().jobId()).orElseThrow();
                String ext = e.getValue()[0];
                assertThat(r.result()).as("multipart, not completeJson").isNull();
                assertThat(r.ext()).isEqualTo(ext);
                assertThat(r.filename()).isEqualTo(r.jobId() + "." + ext);
                assertThat(r.contentType()).isEqualTo(e.getValue()[1]);
                assertThat(r.bytes()).isNotEmpty();
            }
            assertThat(head(studio.job("job-png").orElseThrow().bytes(), 1, 3)).isEqualTo("PNG");
            assertThat(head(studio.job("job-webp").orElseThrow().bytes(), 8, 4)).isEqualTo("WEBP");
            assertThat(head(studio.job("job-tts").orElseThrow().bytes(), 8, 4)).isEqualTo("WAVE");
            assertThat(head(studio.job("job-gif").orElseThrow().bytes(), 0, 4)).isEqualTo("GIF8");

            for (JobClaim claim : List.of(llm, stt)) {
                JobRecord r = studio.job(claim.jobId()).orElseThrow();
                assertThat(r.bytes()).as("completeJson, not multipart").isNull();
                assertThat(r.result()).isNotNull();
                assertThat(r.result().isObject()).isTrue();
            }
            assertThat(studio.job("job-stt").orElseThrow().result().path("text").asText()).isNotBlank();

            // readyForMore follows each completeAck (two JSON results) and never a multipart complete.
            List<String> received = studio.receivedTypes(creds.workerId());
            assertThat(received.stream().filter("readyForMore"::equals).count()).isEqualTo(2);
            assertThat(received.stream().filter("completeJson"::equals).count()).isEqualTo(2);
            List<StudioEvent> acks = events(studio, creds.workerId(), StudioEvent.Kind.SENT, "completeAck");
            List<StudioEvent> ready = events(studio, creds.workerId(), StudioEvent.Kind.RECEIVED, "readyForMore");
            for (int i = 0; i < ready.size(); i++) {
                assertThat(ready.get(i).seq()).isGreaterThan(acks.get(i).seq());
            }
            assertThat(studio.violations()).isEmpty();
            assertThat(studio.unexpectedCompletions()).isEmpty();
        }
        assertThat(spool.toFile().list((d, n) -> n.endsWith(".json") || n.endsWith(".payload"))).isEmpty();
    }

    @Test
    void pausedRejectsOffersAndResumeAcceptsAgain() throws Exception {
        var recorder = new SessionFixtures.Recorder();
        try (Running running = Running.start(
                worker(studio, creds, SyntheticEngine.create(), spool).listener(recorder).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            running.worker.pause();
            studio.submit(SampleJobs.llm("job-while-paused", "hello"));
            JobRecord rejected = await(studio.awaitOutcome("job-while-paused"));
            assertThat(rejected.status()).isEqualTo(JobStatus.REJECTED);
            assertThat(rejected.rejectionReason()).containsIgnoringCase("paused");
            assertThat(await(recorder.rejected("job-while-paused"))).containsIgnoringCase("paused");

            running.worker.resume();
            studio.submit(SampleJobs.llm("job-after-resume", "hello again"));
            JobRecord done = await(studio.awaitOutcome("job-after-resume"));
            assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(done.rejections()).isEmpty();
            assertThat(studio.violations()).isEmpty();
        }
    }

    @Test
    void aSecondOfferWhileAJobRunsIsRejectedAsBusy() throws Exception {
        GatedEngine engine = new GatedEngine().hold("job-long");
        try (Running w = Running.start(worker(studio, creds, engine, spool).build())) {
            studio.submit(SampleJobs.image("job-long", "a long one"));
            await(engine.started("job-long"));
            long seq = studio.lastEventSeq();
            // LocalStudio offers one job at a time, so the extra offer goes out as a raw frame.
            JobClaim extra = SampleJobs.llm("job-extra", "squeeze me in");
            assertThat(studio.faults().sendRawText(creds.workerId(), WireJson.encode(new StudioFrame.Offer(extra))))
                    .isTrue();
            StudioEvent reject = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "reject");
            assertThat(reject.detail()).contains("\"jobId\":\"job-extra\"").contains("busy").contains("job-long");
            assertThat(events(studio, creds.workerId(), StudioEvent.Kind.RECEIVED, "accept"))
                    .extracting(StudioEvent::detail)
                    .noneMatch(d -> d.contains("job-extra"));

            engine.release("job-long");
            JobRecord r = await(studio.awaitOutcome("job-long"));
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            assertThat(engine.runs).hasValue(1);
        }
    }

    @Test
    void anOfferAboveTheVramThresholdIsRejectedNamingBothNumbers() throws Exception {
        try (Running w = Running.start(
                worker(studio.baseUrl().toString(), creds, SyntheticEngine.create(), spool, 4.0).build())) {
            JobClaim big = new JobClaim("job-big", "g", "a", SampleJobs.MODEL, 6.5, ImageTask.of("huge"),
                    ModelSource.of(EngineIds.SYNTHETIC), null, null);
            studio.submit(big);
            JobRecord r = await(studio.awaitOutcome("job-big"));
            assertThat(r.status()).isEqualTo(JobStatus.REJECTED);
            assertThat(r.rejectionReason()).contains("6.5").contains("4.0").contains("vramGbEstimate");

            JobClaim small = new JobClaim("job-small", "g", "a", SampleJobs.MODEL, 3.5, ImageTask.of("fits"),
                    ModelSource.of(EngineIds.SYNTHETIC), null, null);
            studio.submit(small);
            assertThat(await(studio.awaitOutcome("job-small")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(studio.workerCapabilities(creds.workerId()).orElseThrow().vramThresholdGb()).isEqualTo(4.0);
        }
    }

    @Test
    void anUnsupportedModelSourceIsRejectedWithAReason() throws Exception {
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            JobClaim other = new JobClaim("job-sd", "g", "a", "flux", 1, ImageTask.of("x"),
                    ModelSource.of(EngineIds.SD_CPP), null, null);
            studio.submit(other);
            JobRecord r = await(studio.awaitOutcome("job-sd"));
            assertThat(r.status()).isEqualTo(JobStatus.REJECTED);
            assertThat(r.rejectionReason()).contains("flux").contains(EngineIds.SD_CPP);
        }
    }

    private static String head(byte[] bytes, int from, int length) {
        return new String(Arrays.copyOfRange(bytes, from, from + length), StandardCharsets.ISO_8859_1);
    }

}
