package gg.minis.studio.worker.runner.localstudio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import gg.minis.studio.worker.api.protocol.CloseCodes;
import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LocalStudioFaultsTest extends StudioTestBase {
    private RawWorker helloOnly() throws Exception {
        RawWorker w = RawWorker.connect(studio, creds);
        w.send(new WorkerFrame.Hello(creds.authToken(), RawWorker.CAPS));
        return w;
    }

    @Test
    void errorInsteadOfWelcome() throws Exception {
        studio.faults().errorInsteadOfWelcome(ErrorCode.AUTH_FAILED, "token revoked");
        try (RawWorker w = helloOnly()) {
            StudioFrame.Error e = w.next(StudioFrame.Error.class);
            assertThat(e.code()).isEqualTo(ErrorCode.AUTH_FAILED);
            assertThat(e.message()).isEqualTo("token revoked");
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.AUTH_FAILED);
        }
        // One-shot: the next session is welcomed.
        try (RawWorker _ = RawWorker.welcomed(studio, creds)) {
            assertThat(studio.isConnected(creds.workerId())).isTrue();
        }
    }

    @Test
    void errorAfterWelcome() throws Exception {
        studio.faults().errorAfterWelcome(ErrorCode.INTERNAL_ERROR, "studio restarting");
        try (RawWorker w = helloOnly()) {
            w.next(StudioFrame.Welcome.class);
            assertThat(w.next(StudioFrame.Error.class).code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.NORMAL);
        }
    }

    @Test
    void rawFramesBeforeWelcome() throws Exception {
        studio.faults().sendBeforeWelcome(Faults.UNKNOWN_TYPE).sendBeforeWelcome("{\"type\":\"heartbeatAck\"}");
        try (RawWorker w = helloOnly()) {
            assertThat(w.nextRaw()).isEqualTo(Faults.UNKNOWN_TYPE);
            assertThat(w.next()).isInstanceOf(StudioFrame.HeartbeatAck.class);
            w.next(StudioFrame.Welcome.class);
        }
    }

    @Test
    void rawAndBinaryFramesNow() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            assertThat(studio.faults().sendRawText(creds.workerId(), Faults.MALFORMED_JSON)).isTrue();
            assertThatThrownBy(() -> WireJson.decodeStudioFrame(w.nextRaw())).isInstanceOf(ProtocolException.class);

            studio.faults().sendRawText(creds.workerId(), Faults.UNKNOWN_TYPE);
            assertThatThrownBy(() -> WireJson.decodeStudioFrame(w.nextRaw()))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("surprise");

            studio.faults().sendRawText(creds.workerId(), Faults.offerMissingTask("j-1"));
            assertThatThrownBy(() -> WireJson.decodeStudioFrame(w.nextRaw()))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("claim.task");

            studio.faults().sendBinary(creds.workerId(), new byte[] {9, 8, 7});
            assertThat(w.binaries.poll(15, TimeUnit.SECONDS)).containsExactly(9, 8, 7);
        }
        assertThat(studio.faults().sendRawText("worker-nobody", "{}")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 4001, 4002, 4003, 4004})
    void closeWithAnyCode(int code) throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            assertThat(studio.faults().closeSession(creds.workerId(), code, "test")).isTrue();
            assertThat(w.awaitClose()).isEqualTo(code);
        }
        assertThat(studio.lastCloseCodeSent()).hasValue(code);
    }

    @Test
    void sendErrorClosesWithTheMappedCode() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.faults().sendError(creds.workerId(), ErrorCode.DUPLICATE_WORKER, "elsewhere");
            assertThat(w.next(StudioFrame.Error.class).code()).isEqualTo(ErrorCode.DUPLICATE_WORKER);
            assertThat(w.awaitClose()).isEqualTo(CloseCodes.DUPLICATE_WORKER);
        }
    }

    @Test
    void dropMidJobKeepsTheJobForTheWorkersNextSession() throws Exception {
        studio.faults().dropConnectionAfterNextAccept();
        studio.submit(SampleJobs.llm("mid", "1"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("mid"));
            // The studio hangs up without a close frame. Waited for on the studio's side: the JDK client loses an
            // end of input that arrives while a listener call is still running (its transport has no demand then,
            // and the EOF is dropped), and here the drop follows the offer's onText closely.
            studio.awaitEvent(e -> e.kind() == StudioEvent.Kind.DISCONNECTED).get(15, TimeUnit.SECONDS);
            // When the client did notice, it saw the input end (onClose 1006 or onError, by JDK version).
            if (w.closeCode.isDone()) {
                assertThat(w.closeCode.handle((code, err) -> code == null ? 1006 : code).join()).isEqualTo(1006);
            }
        }
        assertThat(studio.lastCloseCodeSent()).isEmpty();
        assertThat(studio.job("mid").orElseThrow().status()).isEqualTo(JobStatus.ACCEPTED);
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.send(new WorkerFrame.CompleteJson("mid", JsonNodeFactory.instance.textNode("ok"), null));
            w.next(StudioFrame.CompleteAck.class);
        }
        assertThat(studio.awaitOutcome("mid").get(15, TimeUnit.SECONDS).outcomeCount()).isEqualTo(1);
    }

    @Test
    void silentStudioKeepsTcpOpenButAnswersNothing() throws Exception {
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            studio.faults().silent(true);
            studio.submit(SampleJobs.llm("later", "1"));
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            // Sent is not yet received: wait until the studio has read the heartbeat (and left it unanswered).
            studio.awaitEvent(e -> e.is(StudioEvent.Kind.RECEIVED, "heartbeat")).get(15, TimeUnit.SECONDS);
            w.expectNothing(Duration.ofMillis(300));
            assertThat(w.ws.isInputClosed()).isFalse();
            assertThat(studio.receivedTypes(creds.workerId())).containsExactly("hello", "heartbeat");

            studio.faults().silent(false);
            assertThat(w.next(StudioFrame.Offer.class).claim().jobId()).isEqualTo("later");
            w.send(new WorkerFrame.Heartbeat(RawWorker.CAPS, null));
            w.next(StudioFrame.HeartbeatAck.class);
        }
    }

    @Test
    void silentStudioDoesNotWelcome() throws Exception {
        studio.faults().silent(true);
        try (RawWorker w = helloOnly()) {
            w.expectNothing(Duration.ofMillis(300));
        }
    }

    @Test
    void refusedUpgradesAre401() throws Exception {
        studio.faults().refuseUpgrades(true);
        var builder = RawWorker.HTTP.newWebSocketBuilder().subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + creds.authToken());
        assertThat(RawWorker.upgradeStatus(builder, studio.connectUrl(creds.workerId()))).isEqualTo(401);
        studio.faults().refuseUpgrades(false);
        assertThat(RawWorker.upgradeStatus(builder, studio.connectUrl(creds.workerId()))).isEqualTo(101);
    }

    @Test
    void stalledUpgradesAreNeverAnswered() throws Exception {
        studio.faults().stallUpgrades(true);
        try (Socket socket = new Socket("127.0.0.1", studio.port())) {
            socket.setSoTimeout(400);
            String path = studio.connectUrl(creds.workerId()).getPath();
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: studio-worker-v1\r\n"
                    + "Authorization: Bearer " + creds.authToken() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
            studio.close(); // closing the studio also ends stalled connections
            socket.setSoTimeout(15_000);
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(studio.connectionCount()).isZero();
    }

    @Test
    void resetDisarmsEverything() throws Exception {
        studio.faults().refuseUpgrades(true).silent(true).errorInsteadOfWelcome(ErrorCode.AUTH_FAILED, "x")
                .failNextCompletes(3, 500).dropConnectionAfterNextAccept().reset();
        studio.submit(SampleJobs.llm("fine", "1"));
        try (RawWorker w = RawWorker.welcomed(studio, creds)) {
            w.next(StudioFrame.Offer.class);
            w.send(new WorkerFrame.Accept("fine"));
            w.send(new WorkerFrame.CompleteJson("fine", JsonNodeFactory.instance.textNode("ok"), null));
            w.next(StudioFrame.CompleteAck.class);
        }
    }
}
