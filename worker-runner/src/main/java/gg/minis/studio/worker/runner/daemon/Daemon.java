package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.catalog.CatalogResolver;
import gg.minis.studio.worker.runner.catalog.ModelCatalog;
import gg.minis.studio.worker.runner.catalog.ModelResidency;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.logging.LogRing;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.registration.ConfigRegistrationStore;
import gg.minis.studio.worker.runner.registration.Registrar;
import gg.minis.studio.worker.runner.session.JobGate;
import gg.minis.studio.worker.runner.session.SessionListener;
import gg.minis.studio.worker.runner.session.SessionSettings;
import gg.minis.studio.worker.runner.session.WorkerSession;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running worker as its local clients (the local API, the console) see it: owns the studio {@link Worker}, the
 * engine it shares with local jobs (through one {@link JobGate}), the config store, the job history and the log
 * ring. {@link #run()} serves the studio until {@link #shutdown()}; a registration reset restarts the studio side
 * with a fresh registration without ending {@code run()}.
 *
 * <p>Jobs run on a {@link ManagedEngine} (watchdog per task kind, wedged-engine replacement, after-job model
 * release); the model catalog ({@code models.json} beside the config) and {@link ModelResidency} keep pinned models
 * resident, reloading them at the start of {@link #run()}. Studio offers mirror their models into the catalog.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /**
     * Why the studio side stopped for good while the local side keeps serving ({@link #keepServingLocally}).
     *
     * @param exit   how the studio side ended
     * @param at     when
     * @param advice what brings it back, in a sentence
     */
    public record StudioEnd(Worker.Exit exit, Instant at, String advice) {}

    /** The studio session as status displays show it; null in {@link Status} while registering. */
    public record SessionState(boolean connected, boolean welcomed, int pendingResults, int consecutiveFailures) {}

    /**
     * A snapshot for {@code /daemon/status} and the console. Holds no credential: ids, flags and counts only.
     *
     * @param registrationPhase pristine, pending, approved or rejected (unknown when the config cannot be read)
     * @param studioEnded       why the studio side stopped while the local side serves on; null while it runs
     */
    public record Status(String version, long pid, Path configFile, String engine, String studio, Instant startedAt,
            boolean paused, boolean busy, boolean shuttingDown, String registrationPhase, String workerId,
            SessionState session, StudioEnd studioEnded, JobHistory.Entry currentJob,
            List<JobHistory.Entry> recentJobs, double vramTotalGb) {}

    /** What a config update changed; the worker applies most settings at its next start. */
    public record ConfigUpdate(List<String> changed, WorkerConfig config) {}

    private final ConfigStore store;
    private final ManagedEngine engine;
    private final ModelCatalog catalog;
    private final ModelResidency residency;
    private final AtomicBoolean restored = new AtomicBoolean();
    private final JobGate gate = new JobGate();
    private final JobHistory history;
    private final LogRing logs;
    private final LogShipper shipper;
    private final LocalJobs localJobs;
    private final Supplier<WorkerCapabilities> capabilities;
    private final SessionSettings sessionSettings;
    private final Duration registrationPollInterval;
    private final SessionListener listener;
    private final Instant startedAt = Instant.now();
    private final AtomicBoolean restartRequested = new AtomicBoolean();
    private volatile Duration studioRetryAfter; // null: run() returns when the studio side ends
    private final Object studioSideEnded = new Object();

    private volatile Worker worker;
    private volatile boolean paused;
    private volatile boolean shutdownRequested;
    private volatile String studio;
    private volatile StudioEnd studioEnded;
    private volatile boolean studioSideRunning;

    private Daemon(Builder b) throws ConfigException {
        this.store = b.store;
        this.history = new JobHistory(b.historyCapacity);
        this.logs = b.logs;
        this.shipper = b.shipper;
        this.sessionSettings = b.sessionSettings;
        this.registrationPollInterval = b.registrationPollInterval;
        this.paused = b.paused;
        this.listener = b.listener;
        WorkerConfig config = store.loadOrCreate();
        this.engine = new ManagedEngine(b.engine, b.engineFactory,
                b.jobBudgets != null ? b.jobBudgets : config::jobTimeout, b.wedgeGrace);
        try {
            this.catalog = ModelCatalog.open(ModelCatalog.beside(store.file()));
        } catch (IOException e) {
            throw new ConfigException(ModelCatalog.beside(store.file()), "models", e.getMessage(), e);
        }
        this.residency = new ModelResidency(catalog, engine, gate, b.freeRam, b.residencyWait);
        engine.releaseUnpinnedAfterJob(b.releaseUnpinnedAfterJob);
        engine.afterJob(claim -> residency.restoreDisplacedAsync());
        engine.afterRebuild(residency::restoreDisplacedAsync);
        this.studio = config.apiBaseUrl().toString();
        this.capabilities = b.capabilities != null
                ? b.capabilities
                : CapabilitiesSource.probe(engine, config.vramThresholdGb(), config.autoStart());
        this.localJobs = new LocalJobs(engine, gate, history,
                b.models != null ? b.models : new CatalogResolver(catalog, engine), () -> shutdownRequested);
    }

    public static Builder builder(ConfigStore store, Engine engine) {
        return new Builder(store, engine);
    }

    // ---- the studio side ----

    /**
     * Registers if needed and serves the studio until {@link #shutdown()} (or the studio ends it: auth failure,
     * rejection, out of attempts). Blocks. After {@link #keepServingLocally} an end of the studio side does not
     * return: local jobs go on, a registration reset starts the studio side again (and, after running out of connect
     * attempts, so does the retry delay), and the studio side's exit is returned at {@link #shutdown()}. On the way
     * out waits for a running local job (cancelling it after the session's shutdown grace) so the caller may close
     * the engine.
     */
    public Worker.Exit run() throws IOException, InterruptedException, ConfigException {
        if (!restored.getAndSet(true) && !catalog.pinned().isEmpty()) {
            Thread.ofPlatform().daemon(true).name("model-restore-start").start(residency::restore);
        }
        studioSideRunning = true;
        try {
            while (true) {
                WorkerConfig config = store.loadOrCreate();
                shipper.addSecret(config.authToken());
                shipper.addSecret(config.registrationSecret());
                studio = config.apiBaseUrl().toString();
                Worker w = buildWorker(config);
                if (paused) {
                    w.pause();
                }
                worker = w;
                if (shutdownRequested) {
                    w.stop();
                }
                Worker.Exit exit;
                try {
                    exit = w.run();
                } finally {
                    worker = null;
                }
                if (exit == Worker.Exit.STOPPED && restartRequested.getAndSet(false) && !shutdownRequested) {
                    log.info("registration reset: registering again with {}", studio);
                    continue;
                }
                if (exit != Worker.Exit.STOPPED && studioRetryAfter != null && !shutdownRequested && awaitStudioRestart(exit)) {
                    continue;
                }
                return exit;
            }
        } finally {
            studioSideRunning = false;
            shutdownRequested = true;
            localJobs.drain((sessionSettings != null ? sessionSettings : SessionSettings.defaults()).shutdownGrace());
        }
    }

    /** Waits, serving locally, until the studio side should start again (true) or the daemon shuts down (false). */
    private boolean awaitStudioRestart(Worker.Exit exit) throws InterruptedException {
        boolean retries = exit == Worker.Exit.OUT_OF_ATTEMPTS;
        Instant retryAt = Instant.now().plus(studioRetryAfter);
        long retryDeadline = System.nanoTime() + studioRetryAfter.toNanos();
        String advice = switch (exit) {
            case AUTH_FAILED -> "the studio refused this worker's token; reset the registration (console or POST "
                    + "/daemon/registration/reset) to register again";
            case REGISTRATION_REJECTED -> "the operator rejected the registration; reset it (console or POST "
                    + "/daemon/registration/reset) to ask again";
            case OUT_OF_ATTEMPTS -> "the studio could not be reached; trying again at "
                    + retryAt.truncatedTo(ChronoUnit.SECONDS)
                    + " (or at a registration reset)";
            case STOPPED -> throw new IllegalArgumentException("not an end: " + exit);
        };
        studioEnded = new StudioEnd(exit, Instant.now(), advice);
        log.warn("studio side stopped ({}): {}; local jobs are still served", exit.name().toLowerCase(Locale.ROOT)
                .replace('_', ' '), advice);
        try {
            synchronized (studioSideEnded) {
                while (!shutdownRequested && !restartRequested.get()) {
                    if (!retries) {
                        studioSideEnded.wait(); // woken by shutdown() or a registration reset
                        continue;
                    }
                    long left = retryDeadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(studioSideEnded, left);
                }
            }
        } finally {
            studioEnded = null;
        }
        restartRequested.set(false);
        if (shutdownRequested) {
            return false;
        }
        log.info("starting the studio side again: {}", studio);
        return true;
    }

    /**
     * Makes {@link #run()} keep serving local jobs when the studio side ends for good (auth failure, rejection, out
     * of connect attempts) instead of returning; {@code runner run} asks for it once its local API is up, so the API
     * outlives a revoked token or a studio outage. After running out of attempts the studio side starts again after
     * {@code retryAfter}.
     */
    public void keepServingLocally(Duration retryAfter) {
        this.studioRetryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    private void wakeStudioSide() {
        synchronized (studioSideEnded) {
            studioSideEnded.notifyAll();
        }
    }

    private Worker buildWorker(WorkerConfig config) {
        Worker.Builder b = Worker.builder(config.apiBaseUrl().toString(), engine)
                .registrationStore(new ConfigRegistrationStore(store))
                .spoolDirectory(home().resolve("spool"))
                .vramThresholdGb(config.vramThresholdGb())
                .autoStart(config.autoStart())
                .settings(settings(config))
                .capabilities(capabilities)
                .listener(SessionListener.all(new StudioJobs(), listener))
                .logShipper(shipper)
                .jobGate(gate);
        if (registrationPollInterval != null) {
            b.registrationPollInterval(registrationPollInterval);
        }
        return b.build();
    }

    private SessionSettings settings(WorkerConfig config) {
        return sessionSettings != null
                ? sessionSettings
                : SessionSettings.defaults().withReconnectAttempts(config.wsReconnectAttempts())
                        .withMaxFrameBytes(config.maxFrameBytes());
    }

    /** Like SIGTERM: the running studio job finishes (or fails after the grace period), then {@link #run()} returns. */
    public void shutdown() {
        if (!shutdownRequested) {
            log.info("shutting down: finishing the running job first");
        }
        shutdownRequested = true;
        Worker w = worker;
        if (w != null) {
            w.stop();
        }
        wakeStudioSide();
    }

    public boolean shuttingDown() {
        return shutdownRequested;
    }

    /** Stops taking studio offers (heartbeats say {@code autoEnabled=false}); local jobs still run. */
    public void pause() {
        paused = true;
        Worker w = worker;
        if (w != null) {
            w.pause();
        }
        log.info("paused: rejecting studio offers until resumed");
    }

    public void resume() {
        paused = false;
        Worker w = worker;
        if (w != null) {
            w.resume();
        }
        log.info("resumed: taking studio offers");
    }

    public boolean paused() {
        return paused;
    }

    /**
     * Clears the registration like {@code register --reset} (install id kept) and, when the worker is running,
     * restarts its studio side so that it registers again. Returns the keys that were cleared.
     */
    public List<String> resetRegistration() throws ConfigException {
        List<String> cleared = ConfigRegistrationStore.reset(store).clearedKeys();
        log.info("registration reset: cleared {}", cleared.isEmpty() ? "nothing" : String.join(", ", cleared));
        Worker w = worker;
        if (w != null && !shutdownRequested) {
            restartRequested.set(true);
            w.stop();
        } else if (studioSideRunning && !shutdownRequested) { // between two runs, or waiting after an end
            restartRequested.set(true);
            wakeStudioSide();
        }
        return cleared;
    }

    // ---- config ----

    public ConfigStore configStore() {
        return store;
    }

    /** The config as the file says now (read without the write lock: cheap enough for health checks). */
    public WorkerConfig config() throws ConfigException {
        return store.load();
    }

    /** Every key in file order with its value as {@code config get} prints it; secrets as {@code <set>/<unset>}. */
    public Map<String, String> configView() throws ConfigException {
        return view(store.load());
    }

    public static Map<String, String> view(WorkerConfig config) throws ConfigException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : WorkerConfig.keys()) {
            out.put(key, config.valueText(key));
        }
        return out;
    }

    /**
     * Applies {@code changes} (key -> text, as {@code config set} takes it; empty unsets an optional key) all or
     * nothing, validated exactly like the file, and saves atomically.
     *
     * @throws ConfigException naming the first bad key and (unless secret) its value; nothing is saved then
     */
    public ConfigUpdate updateConfig(Map<String, String> changes) throws ConfigException {
        apply(store.load(), changes); // validate before taking the lock, for the error message
        ConfigException[] failure = new ConfigException[1];
        WorkerConfig saved = store.update(c -> {
            try {
                return apply(c, changes);
            } catch (ConfigException e) {
                failure[0] = e;
                return c;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        for (String key : changes.keySet()) {
            if (WorkerConfig.isSecret(key)) {
                shipper.addSecret(saved.valueText(key, true));
            }
        }
        log.info("config updated through the local API: {}", String.join(", ", changes.keySet()));
        return new ConfigUpdate(List.copyOf(changes.keySet()), saved);
    }

    private static WorkerConfig apply(WorkerConfig config, Map<String, String> changes) throws ConfigException {
        WorkerConfig next = config;
        for (Map.Entry<String, String> e : changes.entrySet()) {
            next = next.withValue(e.getKey(), e.getValue());
        }
        return next;
    }

    // ---- what local clients read ----

    /** The engine jobs run on (watchdog, replacement and residency around the real one). */
    public ManagedEngine engine() {
        return engine;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public ModelResidency residency() {
        return residency;
    }

    public JobGate gate() {
        return gate;
    }

    public JobHistory jobs() {
        return history;
    }

    public LogRing logs() {
        return logs;
    }

    public LocalJobs localJobs() {
        return localJobs;
    }

    public boolean busy() {
        return gate.busy();
    }

    /** The directory beside the config file where the worker keeps its state (spool, logs, local-api.json). */
    public Path home() {
        Path parent = store.file().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    public Status status() {
        String phase;
        String workerId = null;
        try {
            WorkerConfig config = store.load();
            phase = ConfigRegistrationStore.of(config).phase().name().toLowerCase(java.util.Locale.ROOT);
            workerId = config.workerId();
        } catch (ConfigException e) {
            phase = "unknown";
        }
        Worker w = worker;
        WorkerSession.Status s = w == null ? null : w.sessionStatus();
        SessionState session = s == null ? null
                : new SessionState(s.connected(), s.welcomed(), s.pendingResults(), s.consecutiveFailures());
        JobGate.Holder holder = gate.current();
        JobHistory.Entry current = holder == null ? null : history.get(holder.jobId()).orElseGet(() ->
                new JobHistory.Entry(holder.jobId(), holder.source(), holder.kind(), holder.model(),
                        holder.startedAt(), null, JobHistory.Outcome.RUNNING, null, false));
        return new Status(Version.current(), ProcessHandle.current().pid(), store.file(), engine.id(), studio,
                startedAt, paused, holder != null, shutdownRequested, phase, workerId, session, studioEnded, current,
                history.recent(20), capabilities.get().vramTotalGb());
    }

    /** Mirrors an offered model into the catalog ({@code origin: studio}); a local entry is never overwritten. */
    private void mirror(JobClaim claim) {
        try {
            if (catalog.mirror(claim)) {
                log.info("model {} ({}) offered by the studio: added to the catalog", claim.model(), claim.kind());
            }
        } catch (RuntimeException e) {
            log.warn("cannot mirror model {} into the catalog: {}", claim.model(), e.getMessage());
        }
    }

    /** Records studio jobs in the history, with thumbnails of image results. */
    private final class StudioJobs implements SessionListener {
        @Override
        public void onOfferRejected(JobClaim claim, String reason) {
            mirror(claim);
        }

        @Override
        public void onJobStarted(JobClaim claim) {
            mirror(claim);
            history.started(claim.jobId(), JobGate.Source.STUDIO, claim.kind(), claim.model(), Instant.now());
        }

        @Override
        public void onJobResult(JobClaim claim, TaskResult result) {
            if (claim.kind() == TaskKind.IMAGE && result instanceof BinaryResult binary) {
                Thumbnails.of(binary.bytes()).ifPresent(png -> history.thumbnail(claim.jobId(), png));
            }
        }

        @Override
        public void onJobFinished(JobClaim claim, Duration elapsed, String error) {
            history.finished(claim.jobId(), elapsed, error);
        }
    }

    public static final class Builder {
        private final ConfigStore store;
        private final Engine engine;
        private Supplier<WorkerCapabilities> capabilities;
        private SessionSettings sessionSettings;
        private Duration registrationPollInterval;
        private LogRing logs = LogRing.global();
        private LogShipper shipper = LogShipper.global();
        private ModelResolver models;
        private int historyCapacity = 100;
        private boolean paused;
        private SessionListener listener = SessionListener.NONE;
        private boolean releaseUnpinnedAfterJob;
        private Supplier<? extends Engine> engineFactory;
        private Function<TaskKind, Duration> jobBudgets;
        private Duration wedgeGrace = Duration.ofSeconds(30);
        private LongSupplier freeRam = ModelResidency::systemFreeRam;
        private Duration residencyWait = Duration.ofSeconds(10);

        private Builder(ConfigStore store, Engine engine) {
            this.store = Objects.requireNonNull(store, "store");
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** Overrides the probed capabilities (tests; hosts where probing is unwanted). */
        public Builder capabilities(Supplier<WorkerCapabilities> capabilities) {
            this.capabilities = capabilities;
            return this;
        }

        /** Session timings; by default the protocol's, with the config's reconnect attempts and frame limit. */
        public Builder sessionSettings(SessionSettings settings) {
            this.sessionSettings = settings;
            return this;
        }

        /** Default {@link Registrar#POLL_INTERVAL}. */
        public Builder registrationPollInterval(Duration interval) {
            this.registrationPollInterval = interval;
            return this;
        }

        public Builder logs(LogRing ring) {
            this.logs = Objects.requireNonNull(ring);
            return this;
        }

        public Builder logShipper(LogShipper shipper) {
            this.shipper = Objects.requireNonNull(shipper);
            return this;
        }

        /** Where local jobs find their models; default the engine's own list. */
        public Builder models(ModelResolver models) {
            this.models = models;
            return this;
        }

        public Builder historyCapacity(int capacity) {
            this.historyCapacity = capacity;
            return this;
        }

        /** Start paused: connected, but rejecting offers. */
        /** Unload a model that was loaded only for a job once it is done (default: keep it until replaced). */
        public Builder releaseUnpinnedAfterJob(boolean release) {
            this.releaseUnpinnedAfterJob = release;
            return this;
        }

        /** Also told about studio jobs (progress lines, telemetry). */
        public Builder listener(SessionListener listener) {
            this.listener = java.util.Objects.requireNonNull(listener);
            return this;
        }

        public Builder paused(boolean paused) {
            this.paused = paused;
            return this;
        }

        /** Makes a new engine when the running one is wedged (a job ignored its cancel); none: keep the old one. */
        public Builder engineFactory(Supplier<? extends Engine> factory) {
            this.engineFactory = factory;
            return this;
        }

        /** The watchdog's budget per kind; default the config's {@code job_timeout_secs_*}. */
        public Builder jobBudgets(Function<TaskKind, Duration> budgets) {
            this.jobBudgets = budgets;
            return this;
        }

        /** How long a cancelled job may take to return before its engine counts as wedged (default 30 s). */
        public Builder wedgeGrace(Duration grace) {
            this.wedgeGrace = Objects.requireNonNull(grace);
            return this;
        }

        /** Free RAM in bytes, for loading models where the backend reports no VRAM (default: the OS's figure). */
        public Builder freeRam(LongSupplier bytes) {
            this.freeRam = Objects.requireNonNull(bytes);
            return this;
        }

        /** How long load/unload wait for a running job before answering busy / in use (default 10 s). */
        public Builder residencyWait(Duration wait) {
            this.residencyWait = Objects.requireNonNull(wait);
            return this;
        }

        public Daemon build() throws ConfigException {
            return new Daemon(this);
        }
    }
}
