package gg.minis.studio.worker.runner;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.registration.Registrar;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.registration.RegistrationStore;
import gg.minis.studio.worker.runner.session.Admission;
import gg.minis.studio.worker.runner.session.JobGate;
import gg.minis.studio.worker.runner.session.SessionListener;
import gg.minis.studio.worker.runner.session.SessionSettings;
import gg.minis.studio.worker.runner.session.WorkerSession;
import gg.minis.studio.worker.runner.spool.ResultSpool;
import gg.minis.studio.worker.runner.studio.ResultUploader;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A studio worker you can embed: registers (once, persisted through the {@link RegistrationStore}), then serves
 * the studio session with the given engine until stopped. {@link #run()} blocks; call {@link #stop()} from another
 * thread (a shutdown hook, say) to finish the running job and close cleanly.
 *
 * <pre>{@code
 * try (Engine engine = SyntheticEngine.create()) {
 *     Worker worker = Worker.builder("https://studio.minis.gg/", engine)
 *             .registrationStore(RegistrationStore.inMemory(RegistrationState.EMPTY))
 *             .spoolDirectory(Path.of("spool"))
 *             .build();
 *     Worker.Exit exit = worker.run();
 * }
 * }</pre>
 */
public final class Worker {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    /** How {@link #run()} ended. */
    public enum Exit {
        STOPPED,
        /** The studio refused the credentials: reset and register again. */
        AUTH_FAILED,
        /** The studio rejected the registration request. */
        REGISTRATION_REJECTED,
        /** Too many consecutive failed connects. */
        OUT_OF_ATTEMPTS
    }

    private final StudioEndpoints endpoints;
    private final Engine engine;
    private final RegistrationStore registrationStore;
    private final ResultSpool spool;
    private final SessionSettings settings;
    private final Supplier<WorkerCapabilities> capabilities;
    private final double vramThresholdGb;
    private final SessionListener listener;
    private final LogShipper logShipper;
    private final Duration registrationPollInterval;
    private final HttpClient http;
    private final JobGate jobGate;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile WorkerSession session;
    private volatile boolean paused;
    private final Object pauseLock = new Object();

    private Worker(Builder b) {
        this.endpoints = StudioEndpoints.parse(b.apiBaseUrl);
        this.engine = b.engine;
        this.registrationStore = b.registrationStore;
        this.spool = new ResultSpool(b.spoolDirectory);
        this.settings = b.settings;
        this.vramThresholdGb = b.vramThresholdGb;
        this.capabilities = b.capabilities != null
                ? b.capabilities
                : CapabilitiesSource.probe(engine, b.vramThresholdGb, b.autoStart);
        this.listener = b.listener;
        this.logShipper = b.logShipper;
        this.registrationPollInterval = b.registrationPollInterval;
        this.jobGate = b.jobGate;
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    public static Builder builder(String apiBaseUrl, Engine engine) {
        return new Builder(apiBaseUrl, engine);
    }

    public StudioEndpoints endpoints() {
        return endpoints;
    }

    public ResultSpool spool() {
        return spool;
    }

    /** Registers if needed, then serves the studio until stopped. Blocks. */
    public Exit run() throws IOException, InterruptedException {
        RegistrationState state = awaitRegistration();
        if (state == null) {
            return Exit.STOPPED;
        }
        if (state.phase() == RegistrationState.Phase.REJECTED) {
            return Exit.REGISTRATION_REJECTED;
        }
        logShipper.addSecret(state.authToken());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            WorkerSession s = new WorkerSession(settings, endpoints, state.workerId(), state.authToken(), engine,
                    capabilities, new Admission(engine, () -> vramThresholdGb, jobGate), spool,
                    new ResultUploader(http, endpoints, ResultUploader.DEFAULT_TIMEOUT, Version.userAgent()),
                    group, listener, logShipper::drain);
            synchronized (pauseLock) {
                // Published and paused under the lock pause()/resume() take: a pause() that found no session yet
                // is applied here, and none can slip in between.
                session = s;
                if (paused) {
                    s.pause();
                }
            }
            if (stopped.isDone()) {
                s.stop();
            }
            return switch (s.run()) {
                case STOPPED -> Exit.STOPPED;
                case AUTH_FAILED -> Exit.AUTH_FAILED;
                case OUT_OF_ATTEMPTS -> Exit.OUT_OF_ATTEMPTS;
            };
        } finally {
            session = null;
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Ticks the registration state machine until approved or rejected; null when stopped first. */
    private RegistrationState awaitRegistration() throws IOException, InterruptedException {
        Registrar registrar = new Registrar(http, endpoints, registrationStore, capabilities, Version.userAgent());
        RegistrationState state = registrar.state();
        String lastRequest = null;
        while (state.phase() == RegistrationState.Phase.PRISTINE || state.phase() == RegistrationState.Phase.PENDING) {
            state = registrar.tick();
            if (state.phase() == RegistrationState.Phase.PENDING && !state.requestId().equals(lastRequest)) {
                lastRequest = state.requestId();
                log.info("waiting for the operator to approve request {} on the studio dashboard", lastRequest);
            }
            if (state.phase() == RegistrationState.Phase.APPROVED || state.phase() == RegistrationState.Phase.REJECTED) {
                break;
            }
            try {
                stopped.get(registrationPollInterval.toMillis(), TimeUnit.MILLISECONDS);
                return null;
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // Next tick.
            }
        }
        if (state.phase() == RegistrationState.Phase.REJECTED) {
            log.error("the studio rejected this worker's registration: {}; run 'runner register --reset' to start over",
                    state.rejectedReason());
        }
        return state;
    }

    /** Finishes (or, after the grace period, cancels) the running job, delivers what it can and closes with 1000. */
    public void stop() {
        stopped.complete(null);
        WorkerSession s = session;
        if (s != null) {
            s.stop();
        }
    }

    public void pause() {
        synchronized (pauseLock) {
            paused = true;
            WorkerSession s = session;
            if (s != null) {
                s.pause();
            }
        }
    }

    public void resume() {
        synchronized (pauseLock) {
            paused = false;
            WorkerSession s = session;
            if (s != null) {
                s.resume();
            }
        }
    }

    /** The session's state, or null while registering. */
    public WorkerSession.Status sessionStatus() {
        WorkerSession s = session;
        return s == null ? null : s.status();
    }

    public static final class Builder {
        private final String apiBaseUrl;
        private final Engine engine;
        private RegistrationStore registrationStore = RegistrationStore.inMemory(RegistrationState.EMPTY);
        private Path spoolDirectory = Path.of("spool");
        private SessionSettings settings = SessionSettings.defaults();
        private Supplier<WorkerCapabilities> capabilities;
        private double vramThresholdGb = 12.0;
        private boolean autoStart;
        private SessionListener listener = SessionListener.NONE;
        private LogShipper logShipper = LogShipper.global();
        private Duration registrationPollInterval = Registrar.POLL_INTERVAL;
        private JobGate jobGate = new JobGate();

        private Builder(String apiBaseUrl, Engine engine) {
            this.apiBaseUrl = Objects.requireNonNull(apiBaseUrl, "apiBaseUrl");
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        public Builder registrationStore(RegistrationStore store) {
            this.registrationStore = Objects.requireNonNull(store);
            return this;
        }

        public Builder spoolDirectory(Path dir) {
            this.spoolDirectory = Objects.requireNonNull(dir);
            return this;
        }

        public Builder settings(SessionSettings settings) {
            this.settings = Objects.requireNonNull(settings);
            return this;
        }

        /** Overrides the probed capabilities (tests, or hosts where probing is unwanted). */
        public Builder capabilities(Supplier<WorkerCapabilities> capabilities) {
            this.capabilities = capabilities;
            return this;
        }

        public Builder vramThresholdGb(double gb) {
            this.vramThresholdGb = gb;
            return this;
        }

        public Builder autoStart(boolean autoStart) {
            this.autoStart = autoStart;
            return this;
        }

        public Builder listener(SessionListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public Builder logShipper(LogShipper shipper) {
            this.logShipper = Objects.requireNonNull(shipper);
            return this;
        }

        public Builder registrationPollInterval(Duration interval) {
            this.registrationPollInterval = Objects.requireNonNull(interval);
            return this;
        }

        /** The engine lock, when other job sources (the local API) share the engine with the studio session. */
        public Builder jobGate(JobGate gate) {
            this.jobGate = Objects.requireNonNull(gate);
            return this;
        }

        public Worker build() {
            return new Worker(this);
        }
    }
}
