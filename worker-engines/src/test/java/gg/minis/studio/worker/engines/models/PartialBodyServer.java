package gg.minis.studio.worker.engines.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A one-connection HTTP/1.1 server that announces a body and sends only its first {@code sent} bytes, then either
 * hangs up or goes silent without closing: exact short and stalled transfers (WireMock's dribble delays the headers
 * too, and its faults send no body).
 */
final class PartialBodyServer implements AutoCloseable {
    private final ServerSocket server;
    private final Thread thread;

    private PartialBodyServer(byte[] body, int sent, boolean hangUp) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        thread = Thread.ofPlatform().daemon().name("partial-body-server").start(() -> serve(body, sent, hangUp));
    }

    /** Sends {@code sent} bytes of {@code body}, then closes the connection. */
    static PartialBodyServer hangingUp(byte[] body, int sent) throws IOException {
        return new PartialBodyServer(body, sent, true);
    }

    /** Sends {@code sent} bytes of {@code body}, then nothing until the client gives up. */
    static PartialBodyServer stalling(byte[] body, int sent) throws IOException {
        return new PartialBodyServer(body, sent, false);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void serve(byte[] body, int sent, boolean hangUp) {
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
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(Arrays.copyOf(body, sent));
            out.flush();
            while (!hangUp && in.read() >= 0) {
                // silent until the client gives up
            }
        } catch (IOException e) {
            // the client hung up or the test closed the server: both end the stall
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
    }
}
