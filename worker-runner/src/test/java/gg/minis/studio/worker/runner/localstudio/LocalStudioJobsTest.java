package gg.minis.studio.worker.runner.localstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import gg.minis.studio.worker.api.protocol.LogEntry;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;

class LocalStudioJobsTest extends StudioTestBase {
    private JobRecord outcome(String jobId) throws Exception {
        return studio.awaitOutcome(jobId).get(15, TimeUnit.SECONDS);
    }

    @Test
    void offerAcceptCompleteJsonAck() throws Exception {
        studio.submit(SampleJobs.llm("job-1", "hi"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            StudioFrame.Offer offer = w.next(StudioFrame.Offer.class);
            assertThat(offer.claim()).isEqualTo(SampleJobs.llm("job-1", "hi"));
            assertThat(studio.job("job-1").orElseThrow().status()).isEqualTo(JobStatus.OFFERED);
            w.send(new WorkerFrame.Accept("job-1"));
            var result = JsonNodeFactory.instance.objectNode().put("text", "hello there");
            w.send(new WorkerFrame.CompleteJson("job-1", result, "user: hi"));
            assertThat(w.next(StudioFrame.CompleteAck.class).jobId()).isEqualTo("job-1");

            JobRecord r = outcome("job-1");
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.workerId()).isEqualTo(creds.workerId());
            assertThat(r.result()).isEqualTo(result);
            assertThat(r.prompt()).isEqualTo("user: hi");
            assertThat(r.completionCount()).isEqualTo(1);
            assertThat(r.outcomeCount()).isEqualTo(1);
            assertThat(r.offeredAt()).isNotNull();
            assertThat(r.acceptedAt()).isAfterOrEqualTo(r.offeredAt());
            assertThat(r.completedAt()).isAfterOrEqualTo(r.acceptedAt());
            assertThat(r.offerToOutcome()).isPresent();
        }
        assertThat(studio.violations()).isEmpty();
        assertThat(studio.unexpectedCompletions()).isEmpty();
    }

    @Test
    void failIsAckedAndRecorded() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.submit(SampleJobs.llm("job-f", "hi"));
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("job-f"));
            w.send(new WorkerFrame.Fail("job-f", "model download failed: 503", true));
            assertThat(w.next(StudioFrame.FailAck.class).jobId()).isEqualTo("job-f");
        }
        JobRecord r = outcome("job-f");
        assertThat(r.status()).isEqualTo(JobStatus.FAILED);
        assertThat(r.error()).isEqualTo("model download failed: 503");
        assertThat(r.retryable()).isTrue();
        assertThat(r.failCount()).isEqualTo(1);
    }

    @Test
    void oneJobAtATimeAndARejectFreesTheWorker() throws Exception {
        studio.submit(SampleJobs.llm("a", "1"));
        studio.submit(SampleJobs.llm("b", "2"));
        studio.submit(SampleJobs.llm("c", "3"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("a");
            w.expectNothing(Duration.ofMillis(200));
            w.send(new WorkerFrame.Reject("a", "paused"));
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("b");
            w.send(new WorkerFrame.Accept("b"));
            w.send(new WorkerFrame.CompleteJson("b", JsonNodeFactory.instance.textNode("ok"), null));
            w.next(StudioFrame.CompleteAck.class);
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("c");
        }
        JobRecord a = outcome("a");
        assertThat(a.status()).isEqualTo(JobStatus.REJECTED);
        assertThat(a.rejectionReason()).isEqualTo("paused");
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.DISCONNECTED).get(15, TimeUnit.SECONDS);
        assertThat(studio.job("c").orElseThrow().status()).isEqualTo(JobStatus.QUEUED); // re-queued on disconnect
    }

    @Test
    void readyForMoreMakesTheWorkerIdle() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.submit(SampleJobs.llm("a", "1"));
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("a"));
            studio.submit(SampleJobs.llm("b", "2"));
            w.expectNothing(Duration.ofMillis(150));
            w.send(new WorkerFrame.ReadyForMore());
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("b");
        }
    }

    @Test
    void rejectedJobsAreReofferedWhenConfigured() throws Exception {
        studio.close();
        studio = LocalStudio.start(LocalStudio.Options.builder()
                .reofferRejected(true).reofferDelay(Duration.ofMillis(50)).build());
        creds = studio.newWorker();
        studio.submit(SampleJobs.llm("r", "1"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Reject("r", "busy"));
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("r");
            assertThat(studio.awaitOutcome("r")).isNotDone();
            w.send(new WorkerFrame.Accept("r"));
            w.send(new WorkerFrame.CompleteJson("r", JsonNodeFactory.instance.textNode("ok"), null));
            w.next(StudioFrame.CompleteAck.class);
        }
        JobRecord r = outcome("r");
        assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.offerCount()).isEqualTo(2);
        assertThat(r.rejections()).containsExactly("busy");
    }

    @Test
    void aRepeatedCompleteIsAckedAndCounted() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.submit(SampleJobs.llm("d", "1"));
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("d"));
            w.send(new WorkerFrame.CompleteJson("d", JsonNodeFactory.instance.textNode("first"), null));
            w.next(StudioFrame.CompleteAck.class);
            w.send(new WorkerFrame.CompleteJson("d", JsonNodeFactory.instance.textNode("second"), null));
            w.next(StudioFrame.CompleteAck.class);
        }
        JobRecord r = studio.job("d").orElseThrow();
        assertThat(r.completionCount()).isEqualTo(2);
        assertThat(r.result().asText()).isEqualTo("first");
        assertThat(studio.violations()).singleElement().asString().contains("delivered again");
    }

    @Test
    void aCompleteForAJobNeverOfferedIsUnexpected() throws Exception {
        studio.submit(SampleJobs.llm("queued-elsewhere", "1"));
        var other = studio.newWorker();
        try (RawWorker busy = RawWorker.welcomed(studio, other)) {
            busy.next(StudioFrame.Offer.class); // the other worker holds the only job
            try (RawWorker w = RawWorker.welcomed(studio, creds)) {
                w.send(new WorkerFrame.CompleteJson("ghost", JsonNodeFactory.instance.textNode("x"), null));
                assertThat(w.next(StudioFrame.CompleteAck.class).jobId()).isEqualTo("ghost");
                w.send(new WorkerFrame.Fail("queued-elsewhere", "nope", false));
                w.next(StudioFrame.FailAck.class);
            }
        }
        assertThat(studio.unexpectedCompletions()).extracting(LocalStudio.UnexpectedCompletion::jobId)
                .containsExactly("ghost", "queued-elsewhere");
        assertThat(studio.job("queued-elsewhere").orElseThrow().failCount()).isZero();
    }

    @Test
    void anAcceptedJobSurvivesADisconnectAndItsSpooledCompleteIsAccepted() throws Exception {
        studio.submit(SampleJobs.llm("spool", "1"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("spool"));
            studio.awaitEvent(e -> e.is(StudioEvent.Kind.RECEIVED, "accept")).get(15, TimeUnit.SECONDS);
            w.ws.abort(); // the worker's network drops mid-job
        }
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.DISCONNECTED).get(15, TimeUnit.SECONDS);
        assertThat(studio.job("spool").orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);
        assertThat(studio.queuedCount()).isZero();

        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.send(new WorkerFrame.CompleteJson("spool", JsonNodeFactory.instance.textNode("done offline"), "p"));
            w.next(StudioFrame.CompleteAck.class);
        }
        JobRecord r = outcome("spool");
        assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(r.outcomeCount()).isEqualTo(1);
        assertThat(r.offerCount()).isEqualTo(1);
        assertThat(studio.unexpectedCompletions()).isEmpty();
    }

    @Test
    void anOfferedJobIsRequeuedWhenTheSessionEnds() throws Exception {
        studio.submit(SampleJobs.llm("o", "1"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.next(StudioFrame.Offer.class);
        }
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.DISCONNECTED).get(15, TimeUnit.SECONDS);
        assertThat(studio.job("o").orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("o");
        }
        assertThat(studio.job("o").orElseThrow().offerCount()).isEqualTo(2);
    }

    @Test
    void logBatchesAreStored() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            var entries = List.of(
                    new LogEntry(Instant.now().toString(), "info", "engine", "loaded model", null),
                    new LogEntry(Instant.now().toString(), "warn", "job", "slow step", "job-9"));
            w.send(new WorkerFrame.LogBatch(entries));
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            w.next(StudioFrame.HeartbeatAck.class); // frames are processed in order
            assertThat(studio.logs()).containsExactlyElementsOf(entries);
        }
    }

    @Test
    void duplicateJobIdsAreRefused() {
        studio.submit(SampleJobs.image("same", "a cat"));
        assertThatThrownBy(() -> studio.submit(SampleJobs.image("same", "a dog")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
