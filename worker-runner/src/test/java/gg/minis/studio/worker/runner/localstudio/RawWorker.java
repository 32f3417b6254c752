package gg.minis.studio.worker.runner.localstudio;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import gg.minis.studio.worker.api.task.TaskKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A deliberately dumb test worker on the JDK WebSocket client: it sends exactly what the test says. */
final class RawWorker implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Duration WAIT = Duration.ofSeconds(15);
    static final WorkerCapabilities CAPS = new WorkerCapabilities("test-box", "tester", "0.0.0-test", "synthetic",
            24, 12, true, false, List.of("synthetic"), List.of(TaskKind.IMAGE, TaskKind.LLM),
            Map.of(TaskKind.LLM, List.of("synthetic")));

    final String workerId;
    final String token;
    final WebSocket ws;
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    final CompletableFuture<Throwable> error = new CompletableFuture<>();

    private RawWorker(String workerId, String token, WebSocket.Builder builder, URI uri) throws Exception {
        this.workerId = workerId;
        this.token = token;
        this.ws = builder.buildAsync(uri, new Listener()).get(10, TimeUnit.SECONDS);
    }

    static RawWorker connect(LocalStudio studio, String workerId, String token) throws Exception {
        return new RawWorker(workerId, token, HTTP.newWebSocketBuilder()
                .subprotocols(LocalStudio.SUBPROTOCOL)
                .header("Authorization", "Bearer " + token), studio.connectUrl(workerId));
    }

    static RawWorker connect(LocalStudio studio, LocalStudio.Credentials c) throws Exception {
        return connect(studio, c.workerId(), c.authToken());
    }

    /** Connects and completes hello/welcome. */
    static RawWorker welcomed(LocalStudio studio, LocalStudio.Credentials c) throws Exception {
        RawWorker w = connect(studio, c);
        w.send(new WorkerFrame.Hello(c.authToken(), CAPS));
        StudioFrame f = w.next();
        assertThat(f).isInstanceOf(StudioFrame.Welcome.class);
        return w;
    }

    /** The HTTP status an upgrade attempt gets (101 when it succeeds; the socket is then closed). */
    static int upgradeStatus(WebSocket.Builder builder, URI uri) throws Exception {
        try {
            WebSocket ws = builder.buildAsync(uri, new WebSocket.Listener() {}).get(10, TimeUnit.SECONDS);
            ws.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    void send(WorkerFrame frame) {
        sendRaw(encode(frame));
    }

    static String encode(WorkerFrame frame) {
        try {
            return WireJson.mapper().writerFor(WorkerFrame.class).writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void sendRaw(String text) {
        ws.sendText(text, true).join();
    }

    void sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    String nextRaw() throws InterruptedException {
        String s = texts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(s).as("a frame from the studio within " + WAIT).isNotNull();
        return s;
    }

    StudioFrame next() throws Exception {
        return WireJson.decodeStudioFrame(nextRaw());
    }

    <T extends StudioFrame> T next(Class<T> type) throws Exception {
        StudioFrame f = next();
        assertThat(f).isInstanceOf(type);
        return type.cast(f);
    }

    /** Asserts that no text frame arrives for {@code quiet}. */
    void expectNothing(Duration quiet) throws InterruptedException {
        String s = texts.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(s).as("no frame expected").isNull();
    }

    int awaitClose() throws Exception {
        return closeCode.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
        ws.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private StringBuilder buffer = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            buffer.append(data);
            if (last) {
                texts.add(buffer.toString());
                buffer = new StringBuilder();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binaries.add(b);
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable e) {
            error.complete(e);
            closeCode.completeExceptionally(e);
        }
    }

    // ---- HTTP helpers --------------------------------------------------------------------------------------------

    static HttpResponse<String> post(URI uri, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(WAIT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(URI uri, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(WAIT).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
