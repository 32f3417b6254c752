package gg.minis.studio.worker.runner.session;

import static gg.minis.studio.worker.runner.session.SessionFixtures.await;
import static gg.minis.studio.worker.runner.session.SessionFixtures.awaitEvent;
import static gg.minis.studio.worker.runner.session.SessionFixtures.completeRequests;
import static gg.minis.studio.worker.runner.session.SessionFixtures.events;
import static gg.minis.studio.worker.runner.session.SessionFixtures.worker;
import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import gg.minis.studio.worker.runner.session.SessionFixtures.GatedEngine;
import gg.minis.studio.worker.runner.session.SessionFixtures.Recorder;
import gg.minis.studio.worker.runner.session.SessionFixtures.Running;
import gg.minis.studio.worker.runner.session.SessionFixtures.Settings;
import gg.minis.studio.worker.runner.spool.ResultSpool;
import gg.minis.studio.worker.runner.spool.SpooledResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Results reach the studio exactly once: across drops, upload failures, restarts and shutdown. */
class WorkerSessionDeliveryTest extends StudioTestBase {
    @TempDir
    Path spool;

    private static boolean isComplete(StudioEvent e, String jobId) {
        return e.kind() == StudioEvent.Kind.HTTP && e.type().endsWith("/jobs/" + jobId + "/complete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"image", "llm"})
    void aResultFinishedWhileDisconnectedIsDeliveredOnceFromTheSpoolAfterTheNextWelcome(String kind)
            throws Exception {
        String jobId = "job-drop-" + kind;
        JobClaim claim = kind.equals("image") ? SampleJobs.image(jobId, "through the drop")
                : SampleJobs.llm(jobId, "through the drop");
        GatedEngine engine = new GatedEngine().hold(jobId);
        Recorder recorder = new Recorder();
        Settings s = Settings.fast();
        // Short, so stalled reconnects are given up quickly, yet long enough for the first unstalled upgrade to fit
        // on a busy machine.
        s.connectTimeout = Duration.ofSeconds(1);
        s.reconnectAttempts = 0; // forever: the studio is away for a while
        try (Running w = Running.start(worker(studio, creds, engine, spool).settings(s.build()).listener(recorder)
                .build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            // The connection drops right after the accept, and reconnects hang until we let them through.
            studio.faults().dropConnectionAfterNextAccept().stallUpgrades(true);
            studio.submit(claim);
            await(engine.started(jobId));
            awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.REFUSED, "upgrade");
            engine.release(jobId);
            assertThat(await(recorder.finished(jobId))).isEmpty();
            assertThat(new ResultSpool(spool).contains(jobId)).isTrue();
            assertThat(studio.job(jobId).orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);

            long seq = studio.lastEventSeq();
            studio.faults().stallUpgrades(false);
            StudioEvent welcome = await(studio.awaitWelcome(creds.workerId(), seq));
            JobRecord r = await(studio.awaitOutcome(jobId));
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            assertThat(r.offerCount()).isEqualTo(1);
            StudioEvent delivery = kind.equals("image")
                    ? await(studio.awaitEvent(e -> isComplete(e, jobId) && "204".equals(e.detail())))
                    : awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.RECEIVED, "completeJson");
            assertThat(delivery.seq()).isGreaterThan(welcome.seq());
            assertThat(await(recorder.delivered(jobId))).isTrue();
            assertThat(new ResultSpool(spool).contains(jobId)).isFalse();
            assertThat(engine.runs).hasValue(1);
        }
        assertThat(studio.violations()).isEmpty();
    }

    @Test
    void aFailedUploadIsRetriedWithBackoffAndCompletesOnce() throws Exception {
        Settings s = Settings.fast();
        s.uploadRetryInitial = Duration.ofMillis(100);
        s.uploadRetryMax = Duration.ofMillis(400);
        Recorder recorder = new Recorder();
        studio.faults().failNextCompletes(2, 503);
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool)
                .settings(s.build()).listener(recorder).build())) {
            studio.submit(SampleJobs.image("job-retry", "try, try again"));
            JobRecord r = await(studio.awaitOutcome("job-retry"));
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            assertThat(await(recorder.delivered("job-retry"))).isTrue();
            // The outcome is stored before the HTTP answer is written (and recorded): wait for that too.
            await(studio.awaitEvent(e -> isComplete(e, "job-retry") && "204".equals(e.detail())));
            List<StudioEvent> attempts = completeRequests(studio, "job-retry");
            assertThat(attempts).extracting(StudioEvent::detail).containsExactly("503", "503", "204");
            // Backoff: attempt n waits within the upper half of min(initial * 2^(n-1), max).
            assertThat(gap(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(50));
            assertThat(gap(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            assertThat(new ResultSpool(spool).pending()).isEmpty();
        }
    }

    @Test
    void anUploadThatRunsOutOfAttemptsIsTriedAgainLaterInTheSameSession() throws Exception {
        // The studio's upload route is down for longer than one round of attempts, the WebSocket stays up.
        Settings s = Settings.fast();
        s.uploadAttempts = 2;
        Recorder recorder = new Recorder();
        studio.faults().failNextCompletes(3, 503);
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool)
                .settings(s.build()).listener(recorder).build())) {
            studio.submit(SampleJobs.image("job-patient", "wait for it"));
            JobRecord r = await(studio.awaitOutcome("job-patient"));
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            // The outcome is stored before the HTTP answer is written (and recorded): wait for that too.
            await(studio.awaitEvent(e -> isComplete(e, "job-patient") && "204".equals(e.detail())));
            assertThat(completeRequests(studio, "job-patient")).extracting(StudioEvent::detail)
                    .containsExactly("503", "503", "503", "204");
            assertThat(await(recorder.delivered("job-patient"))).isTrue();
            assertThat(studio.connectionCount()).isEqualTo(1);
            assertThat(new ResultSpool(spool).pending()).isEmpty();
        }
    }

    @Test
    void anUploadRefusedForGoodIsReportedAsAPermanentFailure() throws Exception {
        Recorder recorder = new Recorder();
        studio.faults().failNextCompletes(1, 422);
        try (Running w = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).listener(recorder)
                .build())) {
            studio.submit(SampleJobs.image("job-refused", "nobody wants this"));
            JobRecord r = await(studio.awaitOutcome("job-refused"));
            assertThat(r.status()).isEqualTo(JobStatus.FAILED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            assertThat(r.retryable()).isFalse();
            assertThat(r.error()).contains("422");
            assertThat(completeRequests(studio, "job-refused")).hasSize(1);
            await(recorder.delivered("job-refused"));
            assertThat(new ResultSpool(spool).pending()).isEmpty();
            // The bytes are kept aside for the operator.
            try (var refused = Files.list(spool.resolve("refused"))) {
                assertThat(refused.map(p -> p.getFileName().toString())).contains("job-refused.payload");
            }
        }
    }

    @Test
    void aSpooledResultSurvivesAProcessRestartAndIsDeliveredFirstAndOnce() throws Exception {
        Settings s = Settings.fast();
        s.uploadAttempts = 2;
        s.uploadRetryMax = Duration.ofMinutes(10); // no second round of attempts before this worker stops
        Recorder first = new Recorder();
        studio.faults().failNextCompletes(1000, 503);
        byte[] spooledBytes;
        try (Running a = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).settings(s.build())
                .listener(first).build())) {
            studio.submit(SampleJobs.image("job-r1", "outlives its worker"));
            assertThat(await(first.finished("job-r1"))).isEmpty();
            StudioEvent one = await(studio.awaitEvent(e -> isComplete(e, "job-r1")));
            await(studio.awaitEventAfter(one.seq(), e -> isComplete(e, "job-r1")));
        }
        assertThat(completeRequests(studio, "job-r1")).extracting(StudioEvent::detail).containsExactly("503", "503");
        ResultSpool left = new ResultSpool(spool);
        SpooledResult entry = left.get("job-r1").orElseThrow();
        assertThat(entry.outcome()).isEqualTo(SpooledResult.Outcome.BINARY);
        assertThat(entry.deliveryAttempts()).isEqualTo(2);
        spooledBytes = left.readPayload(entry);
        assertThat(studio.job("job-r1").orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);

        studio.faults().reset();
        studio.submit(SampleJobs.image("job-r2", "the next one"));
        try (Running b = Running.start(worker(studio, creds, SyntheticEngine.create(), spool).build())) {
            JobRecord r1 = await(studio.awaitOutcome("job-r1"));
            JobRecord r2 = await(studio.awaitOutcome("job-r2"));
            assertThat(r1.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r1.outcomeCount()).isEqualTo(1);
            assertThat(r1.bytes()).isEqualTo(spooledBytes);
            assertThat(r1.prompt()).isEqualTo("outlives its worker");
            assertThat(r2.status()).isEqualTo(JobStatus.COMPLETED);
            StudioEvent r1Done = await(studio.awaitEvent(e -> isComplete(e, "job-r1") && "204".equals(e.detail())));
            StudioEvent r2Done = await(studio.awaitEvent(e -> isComplete(e, "job-r2") && "204".equals(e.detail())));
            assertThat(r1Done.seq()).isLessThan(r2Done.seq());
        }
        assertThat(new ResultSpool(spool).pending()).isEmpty();
        assertThat(studio.unexpectedCompletions()).isEmpty();
    }

    @Test
    void stopLetsTheRunningJobFinishDeliversItAndClosesWith1000() throws Exception {
        GatedEngine engine = new GatedEngine().hold("job-last");
        Running w = Running.start(worker(studio, creds, engine, spool).build());
        try {
            studio.submit(SampleJobs.image("job-last", "finish me"));
            await(engine.started("job-last"));
            long seq = studio.lastEventSeq();
            w.worker.stop();
            // Stopping: new offers are refused, the connection stays up for the running job.
            JobClaim late = SampleJobs.llm("job-late", "too late");
            studio.faults().sendRawText(creds.workerId(), WireJson.encode(new StudioFrame.Offer(late)));
            StudioEvent reject = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "reject");
            assertThat(reject.detail()).contains("job-late").contains("shutting down");
            assertThat(w.exit).isNotDone();
            assertThat(studio.isConnected(creds.workerId())).isTrue();

            engine.release("job-last");
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.STOPPED);
            JobRecord r = await(studio.awaitOutcome("job-last"));
            assertThat(r.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(r.outcomeCount()).isEqualTo(1);
            StudioEvent close = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "1000");
            StudioEvent upload = await(studio.awaitEvent(e -> isComplete(e, "job-last")));
            assertThat(upload.seq()).isLessThan(close.seq());
            assertThat(new ResultSpool(spool).pending()).isEmpty();
        } finally {
            w.close();
        }
    }

    @Test
    void stopCancelsAJobThatOutlastsTheGracePeriodAndReportsItRetryable() throws Exception {
        GatedEngine engine = new GatedEngine().hold("job-stuck");
        Settings s = Settings.fast();
        s.shutdownGrace = Duration.ofMillis(300);
        Running w = Running.start(worker(studio, creds, engine, spool).settings(s.build()).build());
        try {
            studio.submit(SampleJobs.image("job-stuck", "never ends"));
            await(engine.started("job-stuck"));
            long stopAt = System.nanoTime();
            w.worker.stop();
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.STOPPED);
            // Not before the grace period. (That it was this cancel, and not the safety net grace + 5 s later or the
            // engine's own 30 s gate, shows in the delivered "cancelled" failure below: both of those would end
            // the session first.)
            assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            JobRecord r = await(studio.awaitOutcome("job-stuck"));
            assertThat(r.status()).isEqualTo(JobStatus.FAILED);
            assertThat(r.retryable()).isTrue();
            assertThat(r.error()).contains("cancelled");
            assertThat(r.outcomeCount()).isEqualTo(1);
            awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "1000");
            assertThat(events(studio, creds.workerId(), StudioEvent.Kind.SENT, "failAck")).hasSize(1);
            assertThat(new ResultSpool(spool).pending()).isEmpty();
        } finally {
            w.close();
        }
    }

    private static Duration gap(StudioEvent a, StudioEvent b) {
        return Duration.ofNanos(b.nanoTime() - a.nanoTime());
    }
}
