package gg.minis.studio.worker.runner.localstudio;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.protocol.CloseCodes;
import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;

class LocalStudioSessionTest extends StudioTestBase {
    @Test
    void helloGetsWelcomeAndHeartbeatsAreAcked() throws Exception {
        try (RawWorker w = RawWorker.connect(studio, creds)) {
            w.send(new WorkerFrame.Hello(creds.authToken(), RawWorker.CAPS));
            StudioFrame.Welcome welcome = w.next(StudioFrame.Welcome.class);
            assertThat(welcome.workerId()).isEqualTo(creds.workerId());
            assertThat(Instant.parse(welcome.serverTime())).isCloseTo(Instant.now(), org.assertj.core.api.Assertions.within(5, java.time.temporal.ChronoUnit.SECONDS));
            assertThat(studio.isConnected(creds.workerId())).isTrue();

            var paused = RawWorker.CAPS.withAutoEnabled(false);
            w.send(new WorkerFrame.Heartbeat(paused, "job-7"));
            w.next(StudioFrame.HeartbeatAck.class);
            assertThat(studio.workerCapabilities(creds.workerId())).contains(paused);
            assertThat(studio.currentJobId(creds.workerId())).contains("job-7");
            assertThat(studio.heartbeatCount(creds.workerId())).isEqualTo(1);
        }
        assertThat(studio.receivedTypes(creds.workerId())).containsExactly("hello", "heartbeat");
        assertThat(studio.sentTypes(creds.workerId())).containsExactly("welcome", "heartbeatAck");
        assertThat(studio.connectionCount()).isEqualTo(1);
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.CLOSE_RECEIVED).get(15, TimeUnit.SECONDS);
        assertThat(studio.lastCloseCodeReceived()).hasValue(1000);
    }

    @Test
    void aFrameBeforeHelloIsAProtocolViolation() throws Exception {
        try (RawWorker w = RawWorker.connect(studio, creds)) {
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            StudioFrame.Error error = w.next(StudioFrame.Error.class);
            assertThat(error.code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
            assertThat(error.message()).contains("hello");
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.PROTOCOL_VIOLATION);
        }
        assertThat(studio.sentTypes(creds.workerId())).doesNotContain("welcome");
        assertThat(studio.lastCloseCodeSent()).hasValue(4002);
    }

    @Test
    void upgradeNeedsTheWorkersTokenAndTheSubprotocol() throws Exception {
        var http = RawWorker.HTTP;
        assertThat(RawWorker.upgradeStatus(http.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer wrong"), studio.connectUrl(creds.workerId()))).isEqualTo(401);
        assertThat(RawWorker.upgradeStatus(http.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL),
                studio.connectUrl(creds.workerId()))).isEqualTo(401);
        assertThat(RawWorker.upgradeStatus(http.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + creds.authToken()), studio.connectUrl("worker-nobody")))
                .isEqualTo(401);
        assertThat(RawWorker.upgradeStatus(http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + creds.authToken()), studio.connectUrl(creds.workerId())))
                .isEqualTo(400);
        assertThat(RawWorker.upgradeStatus(http.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + creds.authToken()), studio.connectUrl(creds.workerId())))
                .isEqualTo(101);
        // The client sees the 101 before the studio's handshake-complete event has run: wait for that event.
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.CONNECTED).get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(studio.connectionCount()).isEqualTo(1);
    }

    @Test
    void helloWithAnotherTokenIsAuthFailed() throws Exception {
        try (RawWorker w = RawWorker.connect(studio, creds)) {
            w.send(new WorkerFrame.Hello("not-the-token", RawWorker.CAPS));
            StudioFrame.Error error = w.next(StudioFrame.Error.class);
            assertThat(error.code()).isEqualTo(ErrorCode.AUTH_FAILED);
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.AUTH_FAILED);
        }
        assertThat(studio.isConnected(creds.workerId())).isFalse();
    }

    @Test
    void binaryMalformedUnknownAndRepeatedHelloAreProtocolViolations() throws Exception {
        for (var send : List.<java.util.function.Consumer<RawWorker>>of(
                w -> w.sendBinary(new byte[] {1, 2, 3}),
                w -> w.sendRaw("{\"type\":\"heartbeat\","),
                w -> w.sendRaw("{\"type\":\"dance\"}"),
                w -> w.sendRaw("{\"type\":\"accept\"}"),
                w -> w.send(new WorkerFrame.Hello(creds.authToken(), RawWorker.CAPS)))) {
            try (RawWorker w = RawWorker.welcomed(studio, creds)) {
                send.accept(w);
                StudioFrame.Error error = w.next(StudioFrame.Error.class);
                assertThat(error.code()).isEqualTo(ErrorCode.PROTOCOL_VIOLATION);
                assertThat(w.awaitClose()).isEqualTo(CloseCodes.PROTOCOL_VIOLATION);
            }
        }
        assertThat(studio.events()).filteredOn(e -> e.kind() == StudioEvent.Kind.SENT && e.type().equals("error"))
                .extracting(StudioEvent::detail)
                .anySatisfy(d -> assertThat(d).contains("binary"))
                .anySatisfy(d -> assertThat(d).contains("not JSON"))
                .anySatisfy(d -> assertThat(d).contains("dance"))
                .anySatisfy(d -> assertThat(d).contains("jobId"))
                .anySatisfy(d -> assertThat(d).contains("twice"));
    }

    @Test
    void aNewerConnectionOfTheSameWorkerWins() throws Exception {
        try (RawWorker first = RawWorker.welcomed(studio, creds);
                RawWorker second = RawWorker.welcomed(studio, creds)) {
            StudioFrame.Error error = first.next(StudioFrame.Error.class);
            assertThat(error.code()).isEqualTo(ErrorCode.DUPLICATE_WORKER);
            assertThat(first.awaitClose()).isEqualTo(CloseCodes.DUPLICATE_WORKER);

            second.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            second.next(StudioFrame.HeartbeatAck.class);
            assertThat(studio.isConnected(creds.workerId())).isTrue();
        }
        assertThat(studio.connectionCount()).isEqualTo(2);
    }

    @Test
    void closingTheStudioClosesSessionsWith1000() throws Exception {
        RawWorker w = RawWorker.welcomed(studio, creds);
        studio.close();
        assertThat(w.awaitClose()).isEqualTo(CloseCodes.NORMAL);
        w.close();
    }

    @Test
    void deletingAWorkerEndsItsSessionWith4004AndItsToken() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.deleteWorker(creds.workerId());
            assertThat(w.next(StudioFrame.Error.class).code()).isEqualTo(ErrorCode.WORKER_DELETED);
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.WORKER_DELETED);
        }
        assertThat(RawWorker.upgradeStatus(RawWorker.HTTP.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + creds.authToken()), studio.connectUrl(creds.workerId())))
                .isEqualTo(401);
    }

    @Test
    void eventsShowNoHeartbeatBeforeWelcome() throws Exception {
        long mark = studio.lastEventSeq();
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            w.next(StudioFrame.HeartbeatAck.class);
            StudioEvent welcome = studio.awaitWelcome(creds.workerId(), mark).get(15, TimeUnit.SECONDS);
            StudioEvent heartbeat = studio.awaitEventAfter(mark,
                    e -> e.is(StudioEvent.Kind.RECEIVED, "heartbeat")).get(15, TimeUnit.SECONDS);
            assertThat(heartbeat.seq()).isGreaterThan(welcome.seq());
            assertThat(heartbeat.nanoTime()).isGreaterThanOrEqualTo(welcome.nanoTime());
        }
        assertThat(studio.events()).filteredOn(e -> e.type().equals("hello"))
                .allSatisfy(e -> assertThat(e.detail()).doesNotContain(creds.authToken()));
    }

    @Test
    void theWorkersCloseIsEchoed() throws Exception {
        RawWorker w = RawWorker.welcomed(studio, creds);
        w.ws.sendClose(1000, "shutdown").get(15, TimeUnit.SECONDS);
        assertThat(w.awaitClose()).isEqualTo(1000);
        studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.DISCONNECTED).get(15, TimeUnit.SECONDS);
        assertThat(studio.activeSessionCount()).isZero();
        assertThat(studio.isConnected(creds.workerId())).isFalse();
        w.close();
        Thread.sleep(Duration.ofMillis(10));
    }

    @Test
    void framesOverMaxFrameBytesCloseWith1009() throws Exception {
        studio.close();
        studio = LocalStudio.start(LocalStudio.Options.builder().maxFrameBytes(4096).build());
        creds = studio.newWorker();
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.sendRaw("{\"type\":\"readyForMore\",\"pad\":\"" + "x".repeat(10_000) + "\"}");
            assertThat(w.awaitClose()).isEqualTo(1009);
        }
    }

    @Test
    void pingsArePonged() throws Exception {
        var pong = new java.util.concurrent.CompletableFuture<String>();
        var ws = RawWorker.HTTP.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + creds.authToken())
                .buildAsync(studio.connectUrl(creds.workerId()), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onPong(java.net.http.WebSocket webSocket,
                            java.nio.ByteBuffer message) {
                        pong.complete(java.nio.charset.StandardCharsets.UTF_8.decode(message).toString());
                        return null;
                    }
                }).get(15, TimeUnit.SECONDS);
        ws.request(10);
        ws.sendPing(java.nio.ByteBuffer.wrap("are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(pong.get(15, TimeUnit.SECONDS)).isEqualTo("are you there");
        ws.abort();
    }

    @Test
    void closingTheStudioFailsPendingOutcomes() {
        studio.submit(SampleJobs.image("never", "x"));
        var outcome = studio.awaitOutcome("never");
        studio.close();
        assertThat(outcome).isCompletedExceptionally();
    }
}
