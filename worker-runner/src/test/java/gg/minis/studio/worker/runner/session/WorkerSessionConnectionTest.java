package gg.minis.studio.worker.runner.session;

import static gg.minis.studio.worker.runner.session.SessionFixtures.await;
import static gg.minis.studio.worker.runner.session.SessionFixtures.awaitEvent;
import static gg.minis.studio.worker.runner.session.SessionFixtures.events;
import static gg.minis.studio.worker.runner.session.SessionFixtures.worker;
import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.CloseCodes;
import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import gg.minis.studio.worker.runner.Await;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.session.SessionFixtures.GatedEngine;
import gg.minis.studio.worker.runner.session.SessionFixtures.Running;
import gg.minis.studio.worker.runner.session.SessionFixtures.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** Connect, hello/welcome, heartbeats, close codes, error frames, idle timeout and the reconnect cap. */
class WorkerSessionConnectionTest extends StudioTestBase {
    @TempDir
    Path spool;

    /** A read-idle timeout short enough for the tests about it (fast() keeps the long default). */
    private static final Duration IDLE = Duration.ofMillis(800);

    private Worker.Builder builder() {
        return worker(studio, creds, SyntheticEngine.create(), spool);
    }

    private Worker.Builder builderWithShortIdleTimeout() {
        Settings s = Settings.fast();
        s.readIdleTimeout = IDLE;
        // On a slow machine a connect can also time out before its welcome; that must not end the worker.
        s.reconnectAttempts = 0;
        return builder().settings(s.build());
    }

    private List<StudioEvent> refusals() {
        return events(studio, creds.workerId(), StudioEvent.Kind.REFUSED, "upgrade");
    }

    // ---- auth ----

    @Test
    void upgradeAnswered401ExitsAuthFailedWithoutRetrying() throws Exception {
        studio.faults().refuseUpgrades(true);
        try (Running w = Running.start(builder().build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        assertThat(refusals()).hasSize(1);
        assertThat(studio.connectionCount()).isZero();
    }

    @Test
    void anUnknownTokenExitsAuthFailedWithoutRetrying() throws Exception {
        var stranger = new LocalStudio.Credentials(creds.workerId(), "not-the-token");
        try (Running w = Running.start(worker(studio, stranger, SyntheticEngine.create(), spool).build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        assertThat(refusals()).hasSize(1).allSatisfy(e -> assertThat(e.detail()).contains("401"));
    }

    @Test
    void close4001ExitsAuthFailed() throws Exception {
        try (Running w = Running.start(builder().build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            assertThat(studio.faults().closeSession(creds.workerId(), CloseCodes.AUTH_FAILED, "token revoked"))
                    .isTrue();
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        assertThat(studio.connectionCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 4002, 4003, 4004})
    void otherCloseCodesReconnect(int code) throws Exception {
        var recorder = new SessionFixtures.Recorder();
        try (Running w = Running.start(builder().listener(recorder).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            assertThat(studio.faults().closeSession(creds.workerId(), code, "closed by the test")).isTrue();
            await(studio.awaitWelcome(creds.workerId(), seq));
            assertThat(w.exit).isNotDone();
            assertThat(studio.connectionCount()).isEqualTo(2);
            // The new session works (and once its job is done, the worker has surely seen the welcome).
            studio.submit(SampleJobs.llm("job-after-" + code, "still there?"));
            assertThat(await(studio.awaitOutcome("job-after-" + code)).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(recorder.welcomes).hasValue(2);
        }
    }

    @Test
    void authFailedErrorBeforeWelcomeExitsAuthFailed() throws Exception {
        // The error frame goes out between hello and welcome; the studio itself does not close.
        studio.faults().sendBeforeWelcome(
                WireJson.encode(new StudioFrame.Error(ErrorCode.AUTH_FAILED, "token revoked")));
        try (Running w = Running.start(builder().build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "4001");
        assertThat(studio.connectionCount()).isEqualTo(1);
        assertThat(studio.receivedTypes(creds.workerId())).containsExactly("hello");
    }

    @Test
    void authFailedErrorAfterWelcomeExitsAuthFailed() throws Exception {
        try (Running w = Running.start(builder().build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            assertThat(studio.faults().sendErrorOnly(creds.workerId(), ErrorCode.AUTH_FAILED, "token revoked"))
                    .isTrue();
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "4001");
        assertThat(studio.connectionCount()).isEqualTo(1);
    }

    @Test
    void authFailedErrorInsteadOfWelcomeExitsAuthFailed() throws Exception {
        studio.faults().errorInsteadOfWelcome(ErrorCode.AUTH_FAILED, "nope");
        try (Running w = Running.start(builder().build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.AUTH_FAILED);
        }
        assertThat(studio.connectionCount()).isEqualTo(1);
    }

    @Test
    void anotherErrorCodeEndsTheSessionAndReconnects() throws Exception {
        try (Running w = Running.start(builder().build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            assertThat(studio.faults().sendErrorOnly(creds.workerId(), ErrorCode.PROTOCOL_VIOLATION, "you did X"))
                    .isTrue();
            // The worker ends the session itself, with the code the error maps to, then comes back.
            awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "4002");
            await(studio.awaitWelcome(creds.workerId(), seq));
            seq = studio.lastEventSeq();
            assertThat(studio.faults().sendErrorOnly(creds.workerId(), ErrorCode.INTERNAL_ERROR, "oops")).isTrue();
            awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.CLOSE_RECEIVED, "1000");
            await(studio.awaitWelcome(creds.workerId(), seq));
            assertThat(w.exit).isNotDone();
            assertThat(studio.connectionCount()).isEqualTo(3);
        }
    }

    // ---- hello, welcome, heartbeats ----

    @Test
    void nothingButHelloIsSentBeforeWelcome() throws Exception {
        // A silent studio never welcomes: the worker must keep quiet (no heartbeat) until its idle timeout.
        studio.faults().silent(true);
        try (Running w = Running.start(builderWithShortIdleTimeout().build())) {
            // The first session that got as far as hello (on a slow machine an earlier one may time out before),
            // until the worker hangs up on it; the worker may be back by now, in a new session.
            StudioEvent hello = awaitEvent(studio, 0, creds.workerId(), StudioEvent.Kind.RECEIVED, "hello");
            await(studio.awaitEventAfter(hello.seq(),
                    e -> e.is(StudioEvent.Kind.DISCONNECTED, "disconnect") && e.sessionId() == hello.sessionId()));
            assertThat(studio.events()).filteredOn(e -> e.sessionId() == hello.sessionId()
                    && e.kind() == StudioEvent.Kind.RECEIVED).extracting(StudioEvent::type).containsExactly("hello");
            assertThat(studio.heartbeatCount(creds.workerId())).isZero();

            // An offer that arrives before welcome is ignored, not accepted or rejected.
            long seq = studio.lastEventSeq();
            String early = WireJson.encode(new StudioFrame.Offer(SampleJobs.llm("job-too-early", "hi")));
            studio.faults().sendBeforeWelcome(early);
            studio.faults().silent(false);
            await(studio.awaitWelcome(creds.workerId(), seq));
            awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "heartbeat");
            assertThat(studio.events()).filteredOn(e -> e.kind() == StudioEvent.Kind.RECEIVED)
                    .extracting(StudioEvent::detail)
                    .noneMatch(d -> d != null && d.contains("job-too-early"));
        }
    }

    @Test
    void heartbeatsCarryCapabilitiesTheRunningJobAndPause() throws Exception {
        GatedEngine engine = new GatedEngine().hold("job-hb");
        try (Running w = Running.start(worker(studio, creds, engine, spool).build())) {
            StudioEvent welcome = await(studio.awaitWelcome(creds.workerId(), 0));
            StudioEvent first = awaitEvent(studio, welcome.seq(), creds.workerId(), StudioEvent.Kind.RECEIVED,
                    "heartbeat");
            WorkerFrame.Heartbeat hb = (WorkerFrame.Heartbeat) WireJson.decodeWorkerFrame(first.detail());
            WorkerCapabilities caps = hb.capabilities();
            assertThat(caps.engine()).isEqualTo("synthetic");
            assertThat(caps.machineName()).isEqualTo("test-box");
            assertThat(caps.taskKinds()).isNotEmpty();
            assertThat(caps.supportedModelsPerKind()).isNotEmpty();
            assertThat(caps.autoEnabled()).isTrue();
            assertThat(hb.currentJobId()).isNull();

            // A heartbeat sent just before a change can still be on its way when the test looks, so each step
            // waits for the first heartbeat that shows the change (none comes if the worker never reports it).
            studio.submit(SampleJobs.image("job-hb", "hold me"));
            await(engine.started("job-hb"));
            long seq = studio.lastEventSeq();
            StudioEvent during = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "heartbeat",
                    e -> heartbeat(e).currentJobId() != null);
            assertThat(heartbeat(during).currentJobId()).isEqualTo("job-hb");
            assertThat(studio.currentJobId(creds.workerId())).contains("job-hb");

            w.worker.pause();
            seq = during.seq();
            StudioEvent paused = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "heartbeat",
                    e -> !heartbeat(e).capabilities().autoEnabled());
            assertThat(heartbeat(paused).currentJobId()).isEqualTo("job-hb");

            w.worker.resume();
            engine.release("job-hb");
            await(studio.awaitOutcome("job-hb"));
            seq = paused.seq();
            StudioEvent after = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "heartbeat",
                    e -> heartbeat(e).capabilities().autoEnabled() && heartbeat(e).currentJobId() == null);
            assertThat(heartbeat(after).capabilities().autoEnabled()).isTrue();
        }
        assertThat(studio.violations()).isEmpty();
    }

    private static WorkerFrame.Heartbeat heartbeat(StudioEvent received) {
        try {
            return (WorkerFrame.Heartbeat) WireJson.decodeWorkerFrame(received.detail());
        } catch (Exception e) {
            throw new AssertionError("not a heartbeat: " + received.detail(), e);
        }
    }

    @Test
    void logLinesAreShippedInBatchesWithTheTokenRedacted() throws Exception {
        try (Running w = Running.start(builder().logShipper(LogShipper.global()).build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            String marker = "a careless line " + System.nanoTime();
            LoggerFactory.getLogger(WorkerSessionConnectionTest.class)
                    .warn(marker + " with the token " + creds.authToken() + " in it");
            // The shipper is process-wide and may hold lines of earlier tests: follow the batches until ours came.
            // Ours include the worker's "welcomed" line, which it may log after the studio's welcome went out, so
            // after the marker.
            String welcomed = "welcomed by the studio as " + creds.workerId();
            long seq = 0;
            long deadline = System.nanoTime() + SessionFixtures.WAIT.toNanos();
            while (studio.logs().stream().noneMatch(l -> l.message().contains(marker))
                    || studio.logs().stream().noneMatch(l -> l.message().contains(welcomed))) {
                assertThat(System.nanoTime()).as("log line shipped in time").isLessThan(deadline);
                seq = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.RECEIVED, "logBatch").seq();
            }
            assertThat(studio.logs()).filteredOn(l -> l.message().contains(marker)).singleElement().satisfies(l -> {
                assertThat(l.message()).contains("with the token <redacted> in it");
                assertThat(l.level()).isEqualTo("warn");
                assertThat(l.category()).isEqualTo("WorkerSessionConnectionTest");
            });
            assertThat(studio.logs()).anySatisfy(l -> assertThat(l.message()).contains(welcomed));
        }
        assertThat(studio.logs()).noneSatisfy(l -> assertThat(l.message()).contains(creds.authToken()));
        assertThat(studio.events()).noneSatisfy(e -> assertThat(String.valueOf(e.detail())).contains(creds.authToken()));
    }

    // ---- dead connections ----

    @Test
    void aSilentStudioIsTornDownAfterTheIdleTimeoutAndReconnected() throws Exception {
        try (Running w = Running.start(builderWithShortIdleTimeout().build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            studio.faults().silent(true);
            // Nothing else ends this session: the worker hangs up because no frame came for the idle timeout.
            StudioEvent gone = awaitEvent(studio, seq, creds.workerId(), StudioEvent.Kind.DISCONNECTED,
                    "disconnect");
            // Measured from the last frame the studio sent on that connection (recorded before it was written), so
            // the bound holds however late the worker's timer ran on a busy machine; none is asserted from above.
            StudioEvent lastSent = studio.events().stream()
                    .filter(e -> e.kind() == StudioEvent.Kind.SENT && e.sessionId() == gone.sessionId()
                            && e.seq() < gone.seq())
                    .reduce((a, b) -> b).orElseThrow();
            assertThat(Duration.ofNanos(gone.nanoTime() - lastSent.nanoTime())).isGreaterThanOrEqualTo(IDLE);
            studio.faults().silent(false);
            // Back (a hello sent while silent is never answered, so maybe after one more idle period).
            await(studio.awaitWelcome(creds.workerId(), gone.seq()));
            assertThat(w.exit).isNotDone();
        }
    }

    @Test
    void aDroppedConnectionIsReconnected() throws Exception {
        try (Running w = Running.start(builder().build())) {
            await(studio.awaitWelcome(creds.workerId(), 0));
            long seq = studio.lastEventSeq();
            assertThat(studio.faults().dropConnection(creds.workerId())).isTrue();
            await(studio.awaitWelcome(creds.workerId(), seq));
            assertThat(studio.connectionCount()).isEqualTo(2);
        }
    }

    // ---- reconnect cap ----

    @Test
    void failedConnectsStopAfterExactlyTheConfiguredAttempts() throws Exception {
        Settings s = Settings.fast();
        s.reconnectAttempts = 3;
        studio.faults().failNextUpgrades(100, 503);
        try (Running w = Running.start(builder().settings(s.build()).build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.OUT_OF_ATTEMPTS);
        }
        assertThat(refusals()).hasSize(3).allSatisfy(e -> assertThat(e.detail()).startsWith("503"));
        assertThat(studio.connectionCount()).isZero();
    }

    @Test
    void anUnreachableStudioRunsOutOfAttempts() throws Exception {
        Settings s = Settings.fast();
        s.reconnectAttempts = 4;
        // No connect timeouts: the port refuses at once. fast() keeps the 15 s connect timeout, longer than awaitExit
        // waits, so attempts that waited for it instead of seeing the refusal could not exit in time.
        assertThat(s.connectTimeout).isGreaterThan(SessionFixtures.WAIT);
        try (RefusedPort unreachable = new RefusedPort()) {
            try (Running w = Running.start(worker(unreachable.url("/"), creds, SyntheticEngine.create(), spool, 12)
                    .settings(s.build()).build())) {
                assertThat(w.awaitExit()).isEqualTo(Worker.Exit.OUT_OF_ATTEMPTS);
            }
        }
    }

    @Test
    void aWelcomedSessionResetsTheFailureCount() throws Exception {
        Settings s = Settings.fast();
        s.reconnectAttempts = 3;
        // Two failures, a welcome, two more failures, a welcome: never three in a row, so never out of attempts.
        studio.faults().failNextUpgrades(2, 503);
        try (Running w = Running.start(builder().settings(s.build()).build())) {
            StudioEvent first = await(studio.awaitWelcome(creds.workerId(), 0));
            assertThat(refusals()).hasSize(2);
            studio.faults().failNextUpgrades(2, 503);
            assertThat(studio.faults().closeSession(creds.workerId(), CloseCodes.NORMAL, "go away")).isTrue();
            await(studio.awaitWelcome(creds.workerId(), first.seq()));
            assertThat(refusals()).hasSize(4);
            studio.submit(SampleJobs.llm("job-after", "still there?"));
            assertThat(await(studio.awaitOutcome("job-after")).status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(w.exit).isNotDone();
            assertThat(w.worker.sessionStatus().consecutiveFailures()).isZero();
        }
    }

    @Test
    void aStopDuringAStalledConnectEndsItWithoutWaitingForTheConnectTimeout() throws Exception {
        Settings s = Settings.fast();
        s.connectTimeout = Duration.ofMinutes(2); // far beyond awaitExit's wait: only aborting the connect ends in time
        studio.faults().stallUpgrades(true);
        try (Running w = Running.start(builder().settings(s.build()).build())) {
            Await.until("the upgrade left unanswered", () -> !refusals().isEmpty());
            w.worker.stop();
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.STOPPED);
        }
        Await.until("the worker to close the stalled connection", () -> studio.stalledConnectionCount() == 0);
        assertThat(studio.connectionCount()).isZero();
    }

    @Test
    void aStudioThatNeverUpgradesFailsTheConnectAfterTheConnectTimeout() throws Exception {
        Settings s = Settings.fast();
        s.connectTimeout = Duration.ofMillis(300);
        // fast() keeps the 20 s read-idle timeout (longer than awaitExit waits): only the connect deadline can end
        // the attempts in time.
        assertThat(s.readIdleTimeout).isGreaterThan(SessionFixtures.WAIT);
        s.reconnectAttempts = 2;
        studio.faults().stallUpgrades(true);
        long start = System.nanoTime();
        try (Running w = Running.start(builder().settings(s.build()).build())) {
            assertThat(w.awaitExit()).isEqualTo(Worker.Exit.OUT_OF_ATTEMPTS);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(refusals()).hasSize(2);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        assertThat(studio.connectionCount()).isZero();
    }
}
