package gg.minis.studio.worker.engines.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server that announces a body and sends only its first {@code sent} bytes, then hangs up, goes silent
 * without closing, or waits for the test to {@link #release()} the rest: exact short, stalled and held transfers
 * (WireMock's dribble delays the headers too, its faults send no body, and its delays are timings a slow machine
 * can outrun).
 */
final class PartialBodyServer implements AutoCloseable {
    private enum Mode { HANG_UP, STALL, GATE }

    private final ServerSocket server;
    private final Thread thread;
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();

    private PartialBodyServer(byte[] body, int sent, Mode mode) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        thread = Thread.ofPlatform().daemon().name("partial-body-server").start(() -> serve(body, sent, mode));
    }

    /** Sends {@code sent} bytes of {@code body}, then closes the connection. */
    static PartialBodyServer hangingUp(byte[] body, int sent) throws IOException {
        return new PartialBodyServer(body, sent, Mode.HANG_UP);
    }

    /** Sends {@code sent} bytes of {@code body}, then nothing until the client gives up. */
    static PartialBodyServer stalling(byte[] body, int sent) throws IOException {
        return new PartialBodyServer(body, sent, Mode.STALL);
    }

    /**
     * Sends {@code sent} bytes of {@code body}, then the rest once {@link #release()} is called; any later request
     * gets the whole body at once (and is counted: {@link #requests()}).
     */
    static PartialBodyServer gated(byte[] body, int sent) throws IOException {
        return new PartialBodyServer(body, sent, Mode.GATE);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    /** Lets a {@link #gated} transfer finish. */
    void release() {
        released.countDown();
    }

    /** Requests received so far (their headers read). */
    int requests() {
        return requests.get();
    }

    private void serve(byte[] body, int sent, Mode mode) {
        do {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                int matched = 0;
                byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                while (matched < end.length) { // the request has no body: its headers end it
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
                }
                boolean first = requests.incrementAndGet() == 1;
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                if (mode == Mode.GATE && !first) {
                    out.write(body);
                    continue;
                }
                out.write(Arrays.copyOf(body, sent));
                out.flush();
                switch (mode) {
                    case HANG_UP -> { }
                    case STALL -> {
                        while (in.read() >= 0) {
                            // silent until the client gives up
                        }
                    }
                    case GATE -> {
                        released.await();
                        out.write(body, sent, body.length - sent);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the client hung up or the test closed the server: both end the transfer
                if (server.isClosed()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        } while (mode == Mode.GATE);
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
    }
}
