package gg.minis.studio.worker.api.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One worker log line shipped in {@code logBatch}. {@code ts} is an RFC 3339 UTC instant
 * ({@link java.time.Instant#toString()}); {@code level} is lower-case (trace, debug, info, warn, error).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogEntry(String ts, String level, String category, String message, String jobId) {}
