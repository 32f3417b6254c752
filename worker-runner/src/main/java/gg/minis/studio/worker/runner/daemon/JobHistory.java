package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.session.JobGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The recent jobs of this worker, studio and local alike, newest last; bounded (the oldest are forgotten). Image
 * results keep a small PNG thumbnail. Thread-safe.
 */
public final class JobHistory {
    /** How a job ended, or that it has not yet. */
    public enum Outcome {
        RUNNING,
        COMPLETED,
        FAILED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One job. {@code durationMs} and {@code error} are null while it runs; {@code error} is null on success. */
    public record Entry(String id, JobGate.Source source, TaskKind kind, String model, Instant startedAt,
            Long durationMs, Outcome outcome, String error, boolean hasThumbnail) {}

    private final int capacity;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, byte[]> thumbnails = new LinkedHashMap<>();

    public JobHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
    }

    public synchronized void started(String id, JobGate.Source source, TaskKind kind, String model, Instant at) {
        entries.remove(id); // a re-run moves to the end
        entries.put(id, new Entry(id, source, kind, model, at, null, Outcome.RUNNING, null, false));
        while (entries.size() > capacity) {
            String eldest = entries.keySet().iterator().next();
            entries.remove(eldest);
            thumbnails.remove(eldest);
        }
    }

    /** Marks {@code id} finished; {@code error} null means success. Unknown ids (already forgotten) are ignored. */
    public synchronized void finished(String id, Duration elapsed, String error) {
        Entry e = entries.get(id);
        if (e != null) {
            entries.put(id, new Entry(e.id(), e.source(), e.kind(), e.model(), e.startedAt(), elapsed.toMillis(),
                    error == null ? Outcome.COMPLETED : Outcome.FAILED, error, e.hasThumbnail()));
        }
    }

    public synchronized void thumbnail(String id, byte[] png) {
        Entry e = entries.get(id);
        if (e != null) {
            thumbnails.put(id, png);
            entries.put(id, new Entry(e.id(), e.source(), e.kind(), e.model(), e.startedAt(), e.durationMs(),
                    e.outcome(), e.error(), true));
        }
    }

    public synchronized Optional<Entry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    public synchronized Optional<byte[]> thumbnail(String id) {
        return Optional.ofNullable(thumbnails.get(id));
    }

    /** Newest first, at most {@code limit}. */
    public synchronized List<Entry> recent(int limit) {
        List<Entry> all = new ArrayList<>(entries.values());
        Collections.reverse(all);
        return all.size() > limit ? List.copyOf(all.subList(0, limit)) : List.copyOf(all);
    }
}
