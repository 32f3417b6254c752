package gg.minis.studio.worker.runner.session;

import static gg.minis.studio.worker.runner.session.SessionFixtures.await;
import static gg.minis.studio.worker.runner.session.SessionFixtures.awaitEvent;
import static gg.minis.studio.worker.runner.session.SessionFixtures.worker;
import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.localstudio.Faults;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import gg.minis.studio.worker.runner.session.SessionFixtures.Running;
import gg.minis.studio.worker.runner.spool.ResultSpool;
import java.nio.file.Path;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frames the worker must survive: malformed, unknown, incomplete offers, binary, and late frames. */
class WorkerSessionFramesTest extends StudioTestBase {
    @TempDir
    Path spool;

    @Test
    void malformedAndUnknownFramesAreIgnoredAndTheSessionGoesOn() throws Exception {
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            assertThat(studio.faults().sendRawText(creds.workerId(), Faults.MALFORMED_JSON)).isTrue();
            assertThat(studio.faults().sendRawText(creds.workerId(), Faults.UNKNOWN_TYPE)).isTrue();
            assertThat(studio.faults().sendRawText(creds.workerId(), "[1, 2, 3]")).isTrue();
            studio.submit(SampleJobs.llm("job-next", "still fine?"));
            assertThat(await(studio.awaitOutcome("job-next")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(studio.connectionCount()).isEqualTo(1);
            assertThat(studio.isConnected(creds.workerId())).isTrue();
            assertThat(studio.receivedTypes(creds.workerId())).doesNotContain("reject");
        }
    }

    @Test
    void anOfferMissingTaskIsRejectedNamingTheField() throws Exception {
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            assertThat(studio.faults().sendRawText(creds.workerId(), Faults.offerMissingTask("job-no-task")))
                    .isTrue();
            StudioEvent reject = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "reject");
            assertThat(reject.detail()).contains("\"jobId\":\"job-no-task\"").contains("claim.task");
            // Still the same session, still working.
            studio.submit(SampleJobs.image("job-next", "after the bad offer"));
            assertThat(await(studio.awaitOutcome("job-next")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(studio.connectionCount()).isEqualTo(1);
        }
    }

    @Test
    void aBinaryFrameIsAProtocolViolationAndTheWorkerReconnects() throws Exception {
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            assertThat(studio.faults().sendBinary(creds.workerId(), new byte[] {1, 2, 3})).isTrue();
            awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "4002");
            await(studio.awaitWelcome(creds.workerId(), seq));
            studio.submit(SampleJobs.llm("job-next", "after the binary frame"));
            assertThat(await(studio.awaitOutcome("job-next")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(studio.connectionCount()).isEqualTo(2);
        }
    }

    @Test
    void aWelcomeArrivingAfterTheWorkerEndedTheSessionDoesNotStrandSpooledResults() throws Exception {
        // A result left over from an earlier run, waiting for the next welcome.
        new ResultSpool(spool).putJson("job-left-over", creds.workerId(), "from before",
                WireJson.mapper().readTree("{\"text\":\"left over\"}"));
        // The studio sends a non-auth error and, right behind it, welcome: the worker ends that session on the
        // error, so the late welcome must not count; the result goes out after the next, real welcome.
        studio.faults().sendBeforeWelcome(
                WireJson.encode(new StudioFrame.Error(ErrorCode.INTERNAL_ERROR, "try again")));
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            StudioEvent first = await(studio.awaitWelcome(creds.workerId(), 0));
            await(studio.awaitWelcome(creds.workerId(), first.seq()));
            StudioEvent complete = awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.RECEIVED,
                    "completeJson", e -> e.detail().contains("job-left-over"));
            assertThat(complete.seq()).isGreaterThan(first.seq());
            assertThat(studio.connectionCount()).isEqualTo(2);
        }
        assertThat(new ResultSpool(spool).pending()).isEmpty();
    }

    @Test
    void aFrameOverTheSizeCapEndsTheSessionAndTheWorkerReconnects() throws Exception {
        var builder = worker(studio, creds, SyntheticEngine.create(), spool)
                .settings(SessionFixtures.Settings.fast().withMaxFrameBytes(4_096));
        try (Running w = Running.start(builder.build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            String huge = "{\"type\":\"heartbeatAck\",\"pad\":\"" + "x".repeat(10_000) + "\"}";
            assertThat(studio.faults().sendRawText(creds.workerId(), huge)).isTrue();
            awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.DISCONNECTED, "disconnect");
            await(studio.awaitWelcome(creds.workerId(), seq));
            studio.submit(SampleJobs.llm("job-next", "after the oversized frame"));
            assertThat(await(studio.awaitOutcome("job-next")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(studio.connectionCount()).isEqualTo(2);
        }
    }
}
