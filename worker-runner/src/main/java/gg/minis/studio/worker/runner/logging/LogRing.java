package gg.minis.studio.worker.runner.logging;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker's recent log lines for local readers (the local API's {@code /daemon/logs} and {@code /jobs/{id}/log},
 * the console): a bounded ring with increasing sequence numbers, plus a small ring per job, keyed by the MDC
 * {@code jobId}, for the most recent jobs. Lines arrive already scrubbed of secrets. Thread-safe.
 */
public final class LogRing {
    private static final LogRing GLOBAL = new LogRing(5_000, 64, 500);

    /** One log line. {@code jobId} is null outside jobs. */
    public record Line(long seq, Instant ts, String level, String category, String message, String jobId) {}

    private final int capacity;
    private final int jobCapacity;
    private final int linesPerJob;
    private final Deque<Line> lines = new ArrayDeque<>();
    private final Map<String, Deque<Line>> perJob;
    private long nextSeq = 1;

    public LogRing(int capacity, int jobCapacity, int linesPerJob) {
        if (capacity < 1 || jobCapacity < 1 || linesPerJob < 1) {
            throw new IllegalArgumentException("capacities must be positive");
        }
        this.capacity = capacity;
        this.jobCapacity = jobCapacity;
        this.linesPerJob = linesPerJob;
        // Access order: a job that is still logging (or being read) is a recent one, whenever it first logged. A
        // job id seen long ago (ids repeat: "studio-1" in every fresh session) must not be the next one dropped.
        this.perJob = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Deque<Line>> eldest) {
                return size() > LogRing.this.jobCapacity;
            }
        };
    }

    /** The process-wide ring fed by the runner's logging backend ({@link StudioLogWriter}). */
    public static LogRing global() {
        return GLOBAL;
    }

    /** Appends a line and returns its sequence number. */
    public synchronized long add(Instant ts, String level, String category, String message, String jobId) {
        Line line = new Line(nextSeq++, ts, level, category, message == null ? "" : message, jobId);
        lines.addLast(line);
        if (lines.size() > capacity) {
            lines.removeFirst();
        }
        if (jobId != null) {
            Deque<Line> job = perJob.computeIfAbsent(jobId, k -> new ArrayDeque<>());
            job.addLast(line);
            if (job.size() > linesPerJob) {
                job.removeFirst();
            }
        }
        return line.seq();
    }

    /** Up to {@code limit} lines with a sequence number above {@code afterSeq}, oldest first. */
    public synchronized List<Line> after(long afterSeq, int limit) {
        List<Line> out = new ArrayList<>();
        for (Line line : lines) {
            if (line.seq() > afterSeq) {
                out.add(line);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** The kept lines of job {@code jobId}, oldest first; empty when none (or the job is too old). */
    public synchronized List<Line> job(String jobId) {
        Deque<Line> job = perJob.get(jobId);
        return job == null ? List.of() : List.copyOf(job);
    }

    /** The sequence number of the latest line, 0 before the first. */
    public synchronized long lastSeq() {
        return nextSeq - 1;
    }
}
