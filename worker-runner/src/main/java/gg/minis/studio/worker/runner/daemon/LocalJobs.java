package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.session.JobGate;
import gg.minis.studio.worker.runner.session.WorkerSession;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs jobs an operator asks for (the local API) on the same engine as studio jobs, one at a time: the
 * {@link JobGate} is shared with the studio session, so a local job never runs beside a studio job. Never waits for
 * the gate: a busy engine is a {@link Busy} at once.
 */
public final class LocalJobs {
    private static final Logger log = LoggerFactory.getLogger(LocalJobs.class);

    /** The engine is running another job (or the worker is shutting down). */
    public static final class Busy extends Exception {
        public Busy(String message) {
            super(message);
        }
    }

    /** The request names a model this worker does not serve for that kind. */
    public static final class UnknownModel extends Exception {
        private final List<String> available;

        public UnknownModel(TaskKind kind, String model, List<String> available) {
            super(model == null
                    ? "no model serves " + kind + " on this worker"
                    : "unknown " + kind + " model '" + model + "' (available: "
                            + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
            this.available = List.copyOf(available);
        }

        public List<String> available() {
            return available;
        }
    }

    /** A finished local job. */
    public record Done(String jobId, String model, TaskResult result) {}

    private final Engine engine;
    private final JobGate gate;
    private final JobHistory history;
    private final ModelResolver models;
    private final BooleanSupplier shuttingDown;
    private volatile CancellationToken running;

    public LocalJobs(Engine engine, JobGate gate, JobHistory history, ModelResolver models,
            BooleanSupplier shuttingDown) {
        this.engine = engine;
        this.gate = gate;
        this.history = history;
        this.models = models;
        this.shuttingDown = shuttingDown;
    }

    public ModelResolver models() {
        return models;
    }

    /** Runs {@code task} on {@code model} (null: the default of its kind) now, on the calling thread. */
    public Done run(Task task, String model) throws Busy, UnknownModel, EngineException {
        TaskKind kind = task.kind();
        ModelResolver.Resolved resolved = models.resolve(kind, model)
                .orElseThrow(() -> new UnknownModel(kind, model, models.models(kind)));
        if (shuttingDown.getAsBoolean()) {
            throw new Busy("the worker is shutting down");
        }
        String jobId = "local-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Instant startedAt = Instant.now();
        JobGate.Lease lease = gate.tryAcquire(new JobGate.Holder(jobId, JobGate.Source.LOCAL, kind, resolved.id(),
                startedAt));
        if (lease == null) {
            JobGate.Holder other = gate.current();
            throw new Busy("busy running " + (other == null ? "another job" : other.describe()));
        }
        CancellationToken cancel = new CancellationToken();
        long start = System.nanoTime();
        try (lease; var mdc = MDC.putCloseable(WorkerSession.JOB_ID_MDC, jobId)) {
            running = cancel;
            history.started(jobId, JobGate.Source.LOCAL, kind, resolved.id(), startedAt);
            String error = null;
            try {
                log.info("running local job {} ({} on {})", jobId, kind, resolved.id());
                JobClaim claim = JobClaim.local(jobId, resolved.id(), task, resolved.source());
                TaskResult result = engine.run(claim, p -> { }, cancel);
                if (kind == TaskKind.IMAGE && result instanceof BinaryResult binary) {
                    Thumbnails.of(binary.bytes()).ifPresent(png -> history.thumbnail(jobId, png));
                }
                log.info("local job {} done in {} ms", jobId,
                        Duration.ofNanos(System.nanoTime() - start).toMillis());
                return new Done(jobId, resolved.id(), result);
            } catch (EngineException e) {
                error = e.getMessage();
                log.warn("local job {} failed: {}", jobId, e.getMessage());
                throw e;
            } catch (RuntimeException | Error e) {
                error = "internal error in engine " + engine.id() + ": " + e;
                log.error("local job {} crashed the engine", jobId, e);
                throw e;
            } finally {
                running = null;
                history.finished(jobId, Duration.ofNanos(System.nanoTime() - start), error);
            }
        }
    }

    /**
     * Waits up to {@code grace} for a running local job, then cancels it and waits a little more. For shutdown, so
     * the engine is not closed under a job.
     */
    public void drain(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (localRunning() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        CancellationToken token = running;
        if (token != null) {
            log.info("cancelling the running local job: the worker is shutting down");
            token.cancel("worker shutting down");
            long hard = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (localRunning() && System.nanoTime() < hard) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
    }

    private boolean localRunning() {
        JobGate.Holder h = gate.current();
        return h != null && h.source() == JobGate.Source.LOCAL;
    }
}
