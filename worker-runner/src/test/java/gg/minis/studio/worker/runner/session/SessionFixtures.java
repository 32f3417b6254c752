package gg.minis.studio.worker.runner.session;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.StudioEvent;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.registration.RegistrationStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * What the session tests share: a real {@link Worker} wired to a real {@link LocalStudio} with pre-approved
 * credentials and fast timings, a test engine whose jobs can be held on demand, and a recording listener.
 */
final class SessionFixtures {
    /** An upper bound for every wait: tests normally finish far sooner. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private SessionFixtures() {}

    /** A worker builder for {@code creds} against {@code studio}: approved, fast timings, fixed capabilities. */
    static Worker.Builder worker(LocalStudio studio, LocalStudio.Credentials creds, Engine engine, Path spool) {
        return worker(studio.baseUrl().toString(), creds, engine, spool, 12.0);
    }

    static Worker.Builder worker(String baseUrl, LocalStudio.Credentials creds, Engine engine, Path spool,
            double vramThresholdGb) {
        return Worker.builder(baseUrl, engine)
                .registrationStore(RegistrationStore.inMemory(new RegistrationState(UUID.randomUUID().toString(),
                        null, null, creds.workerId(), creds.authToken(), null)))
                .spoolDirectory(spool)
                .settings(SessionSettings.fast())
                .vramThresholdGb(vramThresholdGb)
                .capabilities(new CapabilitiesSource(engine, "test-box", "tester", 24, vramThresholdGb, false));
    }

    /** {@link SessionSettings#fast()} with some values changed. */
    static final class Settings {
        Duration heartbeatInterval;
        Duration connectTimeout;
        Duration readIdleTimeout;
        Duration reconnectInitial;
        Duration reconnectMax;
        int reconnectAttempts;
        int maxFrameBytes;
        Duration uploadRetryInitial;
        Duration uploadRetryMax;
        int uploadAttempts;
        Duration logBatchInterval;
        Duration shutdownGrace;

        static Settings fast() {
            Settings s = new Settings();
            SessionSettings f = SessionSettings.fast();
            s.heartbeatInterval = f.heartbeatInterval();
            s.connectTimeout = f.connectTimeout();
            s.readIdleTimeout = f.readIdleTimeout();
            s.reconnectInitial = f.reconnectInitial();
            s.reconnectMax = f.reconnectMax();
            s.reconnectAttempts = f.reconnectAttempts();
            s.maxFrameBytes = f.maxFrameBytes();
            s.uploadRetryInitial = f.uploadRetryInitial();
            s.uploadRetryMax = f.uploadRetryMax();
            s.uploadAttempts = f.uploadAttempts();
            s.logBatchInterval = f.logBatchInterval();
            s.shutdownGrace = f.shutdownGrace();
            return s;
        }

        SessionSettings withMaxFrameBytes(int bytes) {
            maxFrameBytes = bytes;
            return build();
        }

        SessionSettings build() {
            return new SessionSettings(heartbeatInterval, connectTimeout, readIdleTimeout, reconnectInitial,
                    reconnectMax, reconnectAttempts, maxFrameBytes, uploadRetryInitial, uploadRetryMax,
                    uploadAttempts, logBatchInterval, shutdownGrace);
        }
    }

    /** A worker running on its own thread. {@link #close()} stops it and waits for {@link Worker#run()} to return. */
    static final class Running implements AutoCloseable {
        final Worker worker;
        final CompletableFuture<Worker.Exit> exit = new CompletableFuture<>();
        final long startedNanos = System.nanoTime();

        private Running(Worker worker) {
            this.worker = worker;
            Thread.ofPlatform().daemon().name("test-worker").start(() -> {
                try {
                    exit.complete(worker.run());
                } catch (Throwable t) {
                    exit.completeExceptionally(t);
                }
            });
        }

        static Running start(Worker worker) {
            return new Running(worker);
        }

        Worker.Exit awaitExit() throws Exception {
            return await(exit);
        }

        @Override
        public void close() throws Exception {
            worker.stop();
            try {
                exit.get(15, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError("worker did not stop cleanly", e);
            }
        }
    }

    /** Records what the session reports, as futures a test can wait on. */
    static final class Recorder implements SessionListener {
        final AtomicInteger welcomes = new AtomicInteger();
        final Map<String, CompletableFuture<String>> finished = new ConcurrentHashMap<>();
        final Map<String, CompletableFuture<Boolean>> delivered = new ConcurrentHashMap<>();
        final Map<String, CompletableFuture<String>> rejected = new ConcurrentHashMap<>();

        /** Completes with the engine's error, or "" on success, when the job finished (spooled, maybe not sent). */
        CompletableFuture<String> finished(String jobId) {
            return finished.computeIfAbsent(jobId, k -> new CompletableFuture<>());
        }

        /** Completes when the studio acknowledged the job's result and the spool forgot it. */
        CompletableFuture<Boolean> delivered(String jobId) {
            return delivered.computeIfAbsent(jobId, k -> new CompletableFuture<>());
        }

        CompletableFuture<String> rejected(String jobId) {
            return rejected.computeIfAbsent(jobId, k -> new CompletableFuture<>());
        }

        @Override
        public void onWelcomed(String workerId) {
            welcomes.incrementAndGet();
        }

        @Override
        public void onOfferRejected(JobClaim claim, String reason) {
            rejected(claim.jobId()).complete(reason);
        }

        @Override
        public void onJobFinished(JobClaim claim, Duration elapsed, String error) {
            finished(claim.jobId()).complete(error == null ? "" : error);
        }

        @Override
        public void onDelivered(String jobId, boolean accepted) {
            delivered(jobId).complete(accepted);
        }
    }

    /**
     * The synthetic engine, except that jobs named with {@link #hold} wait until {@link #release}d; a held job
     * honours the cancellation token (it then ends with {@code JobCancelledException}, retryable).
     */
    static final class GatedEngine implements Engine {
        private final Engine delegate = SyntheticEngine.create();
        private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Void>> started = new ConcurrentHashMap<>();
        final AtomicInteger runs = new AtomicInteger();

        GatedEngine hold(String jobId) {
            gates.put(jobId, new CountDownLatch(1));
            return this;
        }

        void release(String jobId) {
            gates.get(jobId).countDown();
        }

        CompletableFuture<Void> started(String jobId) {
            return started.computeIfAbsent(jobId, k -> new CompletableFuture<>());
        }

        @Override
        public String id() {
            return delegate.id();
        }

        @Override
        public Set<TaskKind> kinds() {
            return delegate.kinds();
        }

        @Override
        public List<String> models(TaskKind kind) {
            return delegate.models(kind);
        }

        @Override
        public boolean supports(TaskKind kind, ModelSource source) {
            return delegate.supports(kind, source);
        }

        @Override
        public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel)
                throws EngineException {
            runs.incrementAndGet();
            started(claim.jobId()).complete(null);
            CountDownLatch gate = gates.get(claim.jobId());
            if (gate != null) {
                cancel.onCancel(gate::countDown);
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw EngineException.transientFailure("test gate never opened", null);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw EngineException.transientFailure("interrupted", e);
                }
                cancel.throwIfCancelled();
            }
            return delegate.run(claim, progress, cancel);
        }
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next event after {@code afterSeq} of this kind and type from or to {@code workerId}. */
    static StudioEvent awaitEvent(LocalStudio studio, long afterSeq, String workerId, StudioEvent.Kind kind,
            String type) throws Exception {
        return awaitEvent(studio, afterSeq, workerId, kind, type, e -> true);
    }

    static StudioEvent awaitEvent(LocalStudio studio, long afterSeq, String workerId, StudioEvent.Kind kind,
            String type, Predicate<StudioEvent> also) throws Exception {
        return await(studio.awaitEventAfter(afterSeq,
                e -> e.is(kind, type) && workerId.equals(e.workerId()) && also.test(e)));
    }

    /** Events of this kind and type for {@code workerId}, in order. */
    static List<StudioEvent> events(LocalStudio studio, String workerId, StudioEvent.Kind kind, String type) {
        return studio.events().stream()
                .filter(e -> e.is(kind, type) && workerId.equals(e.workerId()))
                .toList();
    }

    /** HTTP events of the multipart complete of {@code jobId}; detail is the status. */
    static List<StudioEvent> completeRequests(LocalStudio studio, String jobId) {
        return studio.events().stream()
                .filter(e -> e.kind() == StudioEvent.Kind.HTTP && e.type().startsWith("POST ")
                        && e.type().endsWith("/jobs/" + jobId + "/complete"))
                .toList();
    }
}
