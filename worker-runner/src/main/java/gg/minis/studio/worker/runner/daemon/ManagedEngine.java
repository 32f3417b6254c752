package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.engine.ResidentModels;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The engine as the daemon runs it, for studio and local jobs alike: a job watchdog, engine replacement and the
 * after-job model release, around the real engine.
 *
 * <p>Watchdog: every job runs on its own thread under a time budget per task kind ({@code job_timeout_secs_<kind>}).
 * Past it the job's {@link CancellationToken} is cancelled (the native engines set the backend's cancel flag) and
 * the job fails, retryable, with a message naming the budget. An engine that has not returned {@code grace} after
 * the cancel is wedged: its thread is abandoned, the engine is closed in the background (as far as it can be) and a
 * new one is made by the factory, so the next job runs. Without a factory the wedged engine stays (and the next
 * job may wait for it).
 *
 * <p>Residency ({@link ResidentModels}) is delegated to the current engine; after each job
 * {@link ResidentModels#releaseAfter} frees a model that was loaded only for it, then {@code afterJob} runs (the
 * daemon reloads pinned models the job displaced).
 */
public final class ManagedEngine implements Engine, ResidentModels {
    private static final Logger log = LoggerFactory.getLogger(ManagedEngine.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Engine initial;
    private final Supplier<? extends Engine> factory;
    private final Function<TaskKind, Duration> budgets;
    private final Duration grace;
    private volatile Consumer<JobClaim> afterJob = c -> { };
    private volatile Runnable afterRebuild = () -> { };
    private volatile Engine current;
    private final AtomicInteger rebuilds = new AtomicInteger();

    /**
     * @param factory makes a replacement for a wedged engine (null: keep the wedged one)
     * @param budgets the time budget of one job per kind
     * @param grace   how long a cancelled job may take to return before its engine counts as wedged
     */
    public ManagedEngine(Engine engine, Supplier<? extends Engine> factory, Function<TaskKind, Duration> budgets,
            Duration grace) {
        this.initial = Objects.requireNonNull(engine, "engine");
        this.current = engine;
        this.factory = factory;
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.grace = Objects.requireNonNull(grace, "grace");
    }

    private volatile boolean releaseUnpinnedAfterJob;

    /**
     * When true, a model loaded only for a job is unloaded after it (frees memory between jobs, at the price of a
     * reload per job). Off by default: the last model stays resident until another one needs the engine, which is
     * the point of running in-process.
     */
    public void releaseUnpinnedAfterJob(boolean release) {
        this.releaseUnpinnedAfterJob = release;
    }

    /** Runs after each job that returned (not after a wedged one), on the job's thread. */
    public void afterJob(Consumer<JobClaim> hook) {
        this.afterJob = Objects.requireNonNull(hook);
    }

    /** Runs after a wedged engine was replaced. */
    public void afterRebuild(Runnable hook) {
        this.afterRebuild = Objects.requireNonNull(hook);
    }

    /** The engine jobs run on now. */
    public Engine current() {
        return current;
    }

    /** How many times a wedged engine was replaced. */
    public int rebuilds() {
        return rebuilds.get();
    }

    public Duration budget(TaskKind kind) {
        return budgets.apply(kind);
    }

    @Override
    public String id() {
        return current.id();
    }

    @Override
    public Set<TaskKind> kinds() {
        return current.kinds();
    }

    @Override
    public List<String> models(TaskKind kind) {
        return current.models(kind);
    }

    @Override
    public boolean supports(TaskKind kind, ModelSource source) {
        return current.supports(kind, source);
    }

    @Override
    public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) throws EngineException {
        Engine engine = current;
        Duration budget = budgets.apply(claim.kind());
        CancellationToken inner = new CancellationToken();
        cancel.onCancel(() -> inner.cancel(cancel.reason()));
        CompletableFuture<TaskResult> done = new CompletableFuture<>();
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        Thread.ofPlatform().daemon(true).name("engine-job-" + THREADS.incrementAndGet()).start(() -> {
            if (mdc != null) {
                MDC.setContextMap(mdc);
            }
            try {
                done.complete(engine.run(claim, progress, inner));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return outcome(done, budget);
        } catch (TimeoutException overBudget) {
            String why = claim.kind().wireName() + " job " + claim.jobId() + " exceeded its time budget of "
                    + describe(budget) + " (job_timeout_secs_" + claim.kind().wireName() + ")";
            log.warn("{}: cancelling it", why);
            inner.cancel(why);
            try {
                TaskResult late = outcome(done, grace);
                log.info("job {} finished after all, just past its budget", claim.jobId());
                return late;
            } catch (JobCancelledExceptionWrapper cancelled) {
                throw new EngineException(why + "; cancelled", true);
            } catch (TimeoutException wedged) {
                String replaced = rebuild(engine, claim);
                throw new EngineException(why + "; the engine did not stop within " + describe(grace)
                        + " of the cancel and " + replaced, true);
            }
        } catch (JobCancelledExceptionWrapper cancelled) {
            throw cancelled.cause;
        } finally {
            if (done.isDone()) {
                after(engine, claim);
            }
        }
    }

    /** The job's result, its exception, or a timeout; a cancellation comes wrapped so the caller can tell. */
    private static TaskResult outcome(CompletableFuture<TaskResult> done, Duration wait)
            throws EngineException, TimeoutException, JobCancelledExceptionWrapper {
        try {
            return done.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while waiting for the engine", true, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            switch (cause) {
                case gg.minis.studio.worker.api.engine.JobCancelledException c ->
                        throw new JobCancelledExceptionWrapper(c);
                case EngineException ee -> throw ee;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new EngineException("engine failed: " + cause, true, cause);
            }
        }
    }

    /** Carries a cancellation past the catch clauses for EngineException. */
    private static final class JobCancelledExceptionWrapper extends Exception {
        final gg.minis.studio.worker.api.engine.JobCancelledException cause;

        JobCancelledExceptionWrapper(gg.minis.studio.worker.api.engine.JobCancelledException cause) {
            super(null, null, false, false);
            this.cause = cause;
        }
    }

    private void after(Engine engine, JobClaim claim) {
        try {
            if (releaseUnpinnedAfterJob) {
                ResidentModels.of(engine).ifPresent(r -> r.releaseAfter(claim));
            }
            afterJob.accept(claim);
        } catch (RuntimeException e) {
            log.warn("after job {}: {}", claim.jobId(), e.toString());
        }
    }

    /** Replaces a wedged engine (once per wedge: a job that finds a newer engine leaves it alone). */
    private synchronized String rebuild(Engine wedged, JobClaim claim) {
        if (current != wedged) {
            return "was replaced already";
        }
        if (factory == null) {
            log.error("engine {} is wedged in job {} and cannot be replaced (no factory); the next job may wait for "
                    + "it", wedged.id(), claim.jobId());
            return "cannot be replaced (the next job may wait for it)";
        }
        Engine fresh;
        try {
            fresh = factory.get();
        } catch (RuntimeException e) {
            log.error("engine {} is wedged in job {} and making a new one failed: {}", wedged.id(), claim.jobId(),
                    e.toString());
            return "could not be replaced: " + e.getMessage();
        }
        current = fresh;
        rebuilds.incrementAndGet();
        log.error("engine {} is wedged in job {}: abandoned its thread and started a new engine", wedged.id(),
                claim.jobId());
        // Closing may block on the wedged job (its locks): never on a thread anyone waits for.
        Thread.ofPlatform().daemon(true).name("close-wedged-engine").start(() -> {
            try {
                wedged.close();
            } catch (RuntimeException e) {
                log.debug("closing the wedged engine failed: {}", e.toString());
            }
        });
        try {
            afterRebuild.run();
        } catch (RuntimeException e) {
            log.warn("after replacing the engine: {}", e.toString());
        }
        return "was replaced by a new instance";
    }

    static String describe(Duration d) {
        if (d.toMillis() < 1000 || d.toMillis() % 1000 != 0) {
            return d.toMillis() + " ms";
        }
        return d.toSeconds() + " s";
    }

    // ---- residency: the current engine's ----

    private ResidentModels residents() {
        return ResidentModels.of(current).orElse(null);
    }

    @Override
    public int capacity() {
        ResidentModels r = residents();
        return r == null ? 0 : r.capacity();
    }

    @Override
    public boolean canLoad(TaskKind kind, ModelSource source) {
        ResidentModels r = residents();
        return r != null && r.canLoad(kind, source);
    }

    @Override
    public void load(String modelId, TaskKind kind, ModelSource source, CancellationToken cancel)
            throws EngineException {
        ResidentModels r = residents();
        if (r == null) {
            throw EngineException.permanent("engine " + id() + " cannot keep models resident");
        }
        r.load(modelId, kind, source, cancel);
    }

    @Override
    public void unload(String modelId) {
        ResidentModels r = residents();
        if (r != null) {
            r.unload(modelId);
        }
    }

    @Override
    public OptionalLong deviceFreeBytes(TaskKind kind, ModelSource source) {
        ResidentModels r = residents();
        return r == null ? OptionalLong.empty() : r.deviceFreeBytes(kind, source);
    }

    @Override
    public State state(String modelId) {
        ResidentModels r = residents();
        return r == null ? State.ON_DISK : r.state(modelId);
    }

    /** Closes the engines this wrapper made (the initial one belongs to whoever passed it in). */
    @Override
    public void close() {
        Engine e = current;
        if (e != initial) {
            e.close();
        }
    }
}
