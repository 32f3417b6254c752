package gg.minis.studio.worker.runner.session;

import java.time.Duration;

/**
 * Every timing of the session in one place, so tests can shrink them from seconds to milliseconds. The defaults are
 * the protocol's.
 */
public record SessionSettings(
        Duration heartbeatInterval,
        Duration connectTimeout,
        Duration readIdleTimeout,
        Duration reconnectInitial,
        Duration reconnectMax,
        int reconnectAttempts,
        int maxFrameBytes,
        Duration uploadRetryInitial,
        Duration uploadRetryMax,
        int uploadAttempts,
        Duration logBatchInterval,
        Duration shutdownGrace) {

    public static SessionSettings defaults() {
        return new SessionSettings(Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(20),
                Duration.ofSeconds(1), Duration.ofSeconds(30), 5, 1 << 20, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 8, Duration.ofSeconds(1), Duration.ofSeconds(60));
    }

    public SessionSettings withReconnectAttempts(int attempts) {
        return new SessionSettings(heartbeatInterval, connectTimeout, readIdleTimeout, reconnectInitial, reconnectMax,
                attempts, maxFrameBytes, uploadRetryInitial, uploadRetryMax, uploadAttempts, logBatchInterval,
                shutdownGrace);
    }

    public SessionSettings withMaxFrameBytes(int bytes) {
        return new SessionSettings(heartbeatInterval, connectTimeout, readIdleTimeout, reconnectInitial, reconnectMax,
                reconnectAttempts, bytes, uploadRetryInitial, uploadRetryMax, uploadAttempts, logBatchInterval,
                shutdownGrace);
    }

    /**
     * Timings scaled down for tests: heartbeats, backoffs and log batches in milliseconds instead of seconds. The
     * dead-connection timeouts (connect, read idle) keep the protocol's defaults: scaled down, they fire on a loaded
     * machine (a GC pause, a starved CPU) in tests that expect the connection to stay up. A test about one of them
     * sets it short itself.
     */
    public static SessionSettings fast() {
        SessionSettings d = defaults();
        return new SessionSettings(Duration.ofMillis(100), d.connectTimeout(), d.readIdleTimeout(),
                Duration.ofMillis(20), Duration.ofMillis(100), 5, 1 << 20, Duration.ofMillis(20),
                Duration.ofMillis(100), 8, Duration.ofMillis(100), Duration.ofSeconds(5));
    }
}
