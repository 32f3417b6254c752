package gg.minis.studio.worker.runner.logging;

import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

/**
 * A tinylog writer ({@code writer = studio log}) that feeds {@link LogShipper#global()}, from which the session
 * sends {@code logBatch} frames, and {@link LogRing#global()}, which local readers (the local API) page through. The
 * job id comes from the SLF4J MDC key {@code jobId}.
 */
public final class StudioLogWriter implements Writer {
    public StudioLogWriter(Map<String, String> properties) {
        // No options.
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        return EnumSet.of(LogEntryValue.DATE, LogEntryValue.LEVEL, LogEntryValue.CLASS, LogEntryValue.MESSAGE,
                LogEntryValue.EXCEPTION, LogEntryValue.CONTEXT);
    }

    @Override
    public void write(LogEntry entry) {
        String message = entry.getMessage() == null ? "" : entry.getMessage();
        if (entry.getException() != null) {
            message = message + (message.isEmpty() ? "" : ": ") + entry.getException();
        }
        String className = entry.getClassName() == null ? "worker" : entry.getClassName();
        String category = className.substring(className.lastIndexOf('.') + 1);
        Instant ts = entry.getTimestamp() == null ? Instant.now() : entry.getTimestamp().toInstant();
        String jobId = entry.getContext() == null ? null : entry.getContext().get("jobId");
        LogShipper.global().offer(ts, entry.getLevel().name(), category, message, jobId);
        LogRing.global().add(ts, entry.getLevel().name().toLowerCase(java.util.Locale.ROOT), category,
                LogShipper.global().scrub(message), jobId);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
