package gg.minis.studio.worker.runner.session;

import gg.minis.studio.worker.api.task.TaskKind;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine lock: at most one job runs at a time, whether the studio offered it or an operator asked for it through
 * the local API. {@link #tryAcquire} never waits; whoever does not get the gate answers "busy" (a studio offer is
 * rejected, a local request gets 503). The lease may be released from any thread.
 */
public final class JobGate {
    /** Where a job came from. */
    public enum Source {
        STUDIO,
        LOCAL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The job holding the gate. */
    public record Holder(String jobId, Source source, TaskKind kind, String model, Instant startedAt) {
        public Holder {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(startedAt, "startedAt");
        }

        /** "studio job X" / "local job X", for busy messages. */
        public String describe() {
            return source.wireName() + " job " + jobId;
        }
    }

    private final AtomicReference<Holder> current = new AtomicReference<>();

    /** The gate for {@code holder}, or null when another job holds it. */
    public Lease tryAcquire(Holder holder) {
        Objects.requireNonNull(holder, "holder");
        return current.compareAndSet(null, holder) ? new Lease(holder) : null;
    }

    /** The job running now, or null when idle. */
    public Holder current() {
        return current.get();
    }

    public boolean busy() {
        return current.get() != null;
    }

    /** Held until closed; closing twice is harmless. */
    public final class Lease implements AutoCloseable {
        private final Holder holder;

        private Lease(Holder holder) {
            this.holder = holder;
        }

        public Holder holder() {
            return holder;
        }

        @Override
        public void close() {
            current.compareAndSet(holder, null);
        }
    }
}
