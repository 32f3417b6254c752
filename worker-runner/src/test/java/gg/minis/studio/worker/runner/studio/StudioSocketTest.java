package gg.minis.studio.worker.runner.studio;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import gg.minis.studio.worker.runner.testing.StudioTestBase;
import org.junit.jupiter.api.Test;

/** The Netty client alone, against a real LocalStudio and against a socket that never speaks HTTP. */
class StudioSocketTest extends StudioTestBase {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** For connects that get an answer: deadlines long enough that a slow machine never hits them. */
    private static final StudioSocket.Options PATIENT =
            new StudioSocket.Options(Duration.ofSeconds(30), Duration.ofSeconds(30), 1 << 20);
    /** For connects that never get an answer: only the short connect deadline can end them (the idle timeout is long). */
    private static final StudioSocket.Options SHORT_CONNECT =
            new StudioSocket.Options(Duration.ofMillis(300), Duration.ofMinutes(1), 1 << 20);
    private static final WorkerCapabilities CAPS = new WorkerCapabilities("box", "me", "0", "synthetic", 0, 12, true,
            false, List.of(), List.of(), Map.of());

    @AfterAll
    static void shutdown() {
        GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static final class Events implements StudioSocket.Listener {
        final LinkedBlockingQueue<StudioFrame> frames = new LinkedBlockingQueue<>();
        final List<String> invalid = new ArrayList<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onFrame(StudioFrame frame) {
            frames.add(frame);
        }

        @Override
        public void onInvalidFrame(String text, ProtocolException problem) {
            invalid.add(text);
        }

        @Override
        public void onBinaryFrame() {}

        @Override
        public void onClosed(int code, String reason) {
            closed.complete(code);
        }
    }

    private static StudioConnectException connectFailure(CompletableFuture<StudioSocket> f) throws Exception {
        try {
            f.get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(StudioConnectException.class);
            return (StudioConnectException) e.getCause();
        }
        throw new AssertionError("connect succeeded");
    }

    @Test
    void upgradesWithTokenAndSubprotocolAndExchangesFrames() throws Exception {
        Events events = new Events();
        StudioSocket socket = StudioSocket.connect(GROUP, studio.connectUrl(creds.workerId()), creds.authToken(),
                PATIENT, events).get(15, TimeUnit.SECONDS);
        socket.send(new WorkerFrame.Hello(creds.authToken(), CAPS)).get(15, TimeUnit.SECONDS);
        assertThat(events.frames.poll(15, TimeUnit.SECONDS)).isInstanceOf(StudioFrame.Welcome.class);
        socket.close(1000, "bye").get(15, TimeUnit.SECONDS);
        assertThat(socket.isOpen()).isFalse();
        studio.awaitEvent(e -> e.is(StudioEvent.Kind.CLOSE_RECEIVED, "1000")).get(15, TimeUnit.SECONDS);
    }

    @Test
    void a401UpgradeIsMarkedAsAuthFailure() throws Exception {
        StudioConnectException e = connectFailure(StudioSocket.connect(GROUP, studio.connectUrl(creds.workerId()),
                "wrong-token", PATIENT, new Events()));
        assertThat(e.authFailed()).isTrue();
        assertThat(e.getMessage()).contains("401").doesNotContain("wrong-token");
    }

    @Test
    void anotherUpgradeFailureIsNotAnAuthFailure() throws Exception {
        studio.faults().failNextUpgrades(1, 503);
        StudioConnectException e = connectFailure(StudioSocket.connect(GROUP, studio.connectUrl(creds.workerId()),
                creds.authToken(), PATIENT, new Events()));
        assertThat(e.authFailed()).isFalse();
    }

    @Test
    void aStalledUpgradeFailsAfterTheConnectTimeout() throws Exception {
        studio.faults().stallUpgrades(true);
        long start = System.nanoTime();
        StudioConnectException e = connectFailure(StudioSocket.connect(GROUP, studio.connectUrl(creds.workerId()),
                creds.authToken(), SHORT_CONNECT, new Events()));
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(e.authFailed()).isFalse();
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void aServerThatAcceptsTcpButNeverAnswersFailsAfterTheConnectTimeout() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                } catch (Exception ex) {
                    throw new RuntimeException(ex);
                }
            });
            long start = System.nanoTime();
            StudioConnectException e = connectFailure(StudioSocket.connect(GROUP,
                    URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/graphics/api/workers/w/connect"), "t",
                    SHORT_CONNECT, new Events()));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(e.authFailed()).isFalse();
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            accepted.get(15, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aRefusedPortFailsAtOnce() throws Exception {
        try (RefusedPort unreachable = new RefusedPort()) {
            int port = unreachable.port();
            // The connect deadline is longer than connectFailure waits: only the refusal can end this in time.
            StudioConnectException e = connectFailure(StudioSocket.connect(GROUP,
                    URI.create("ws://127.0.0.1:" + port + "/x"), "t", PATIENT, new Events()));
            assertThat(e.authFailed()).isFalse();
            assertThat(e.getMessage()).contains("127.0.0.1:" + port).doesNotContain("timed out");
        }
    }
}
