package gg.minis.studio.worker.engines.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that refuses connections for as long as this is open: bound, never listening. Unlike a port
 * probed with a {@code ServerSocket} and closed again, no other process can take it meanwhile (and then answer, or
 * accept and stay silent).
 */
public final class RefusedPort implements AutoCloseable {
    private final Socket socket = new Socket();

    public RefusedPort() {
        try {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to give back
        }
    }
}
