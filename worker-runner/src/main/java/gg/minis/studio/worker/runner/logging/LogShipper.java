package gg.minis.studio.worker.runner.logging;

import gg.minis.studio.worker.api.protocol.LogEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects worker log lines for the studio's {@code logBatch} frames. Bounded (oldest lines are dropped and
 * counted when the studio is away) and scrubbed: every registered secret is replaced before a line is queued.
 */
public final class LogShipper {
    private static final LogShipper GLOBAL = new LogShipper(2_000);

    private final BlockingQueue<LogEntry> queue;
    private final CopyOnWriteArraySet<String> secrets = new CopyOnWriteArraySet<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean enabled = true;

    public LogShipper(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** The process-wide shipper fed by the runner's logging backend. */
    public static LogShipper global() {
        return GLOBAL;
    }

    /** Never ship {@code value}: it is replaced by {@code <redacted>} in every line. Short values are ignored. */
    public void addSecret(String value) {
        if (value != null && value.length() >= 8) {
            secrets.add(value);
        }
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public void offer(Instant ts, String level, String category, String message, String jobId) {
        if (!enabled) {
            return;
        }
        LogEntry entry = new LogEntry(ts.toString(), level.toLowerCase(Locale.ROOT), category, scrub(message), jobId);
        while (!queue.offer(entry)) {
            if (queue.poll() != null) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Takes up to {@code max} lines, oldest first. */
    public List<LogEntry> drain(int max) {
        List<LogEntry> out = new ArrayList<>(Math.min(max, queue.size()));
        queue.drainTo(out, max);
        return out;
    }

    public long dropped() {
        return dropped.get();
    }

    public String scrub(String message) {
        if (message == null) {
            return "";
        }
        String result = message;
        for (String secret : secrets) {
            result = result.replace(secret, "<redacted>");
        }
        return result;
    }
}
