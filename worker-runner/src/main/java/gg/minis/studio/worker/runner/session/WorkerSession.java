package gg.minis.studio.worker.runner.session;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.CloseCodes;
import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.LogEntry;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import gg.minis.studio.worker.runner.spool.ResultSpool;
import gg.minis.studio.worker.runner.spool.SpooledResult;
import gg.minis.studio.worker.runner.studio.ResultUploader;
import gg.minis.studio.worker.runner.studio.StudioConnectException;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import gg.minis.studio.worker.runner.studio.StudioSocket;
import gg.minis.studio.worker.runner.studio.UploadException;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The worker's side of the studio session: connect, hello, wait for welcome, heartbeat, take offers, run jobs, and
 * deliver every result from the spool until the studio acknowledges it; reconnect with jittered backoff.
 *
 * <p>Threads: all session state is owned by one {@code control} thread (Netty callbacks and job completions are
 * posted to it); jobs run on their own thread, never on the event loop; uploads run on a third so a slow studio
 * never blocks heartbeats.
 */
public final class WorkerSession {
    private static final Logger log = LoggerFactory.getLogger(WorkerSession.class);
    private static final int MAX_LOG_BATCH = 200;
    /** The SLF4J MDC key that tags log lines with the job they belong to (log shipping, per-job logs). */
    public static final String JOB_ID_MDC = "jobId";

    /** Why {@link #run()} returned. */
    public enum Exit {
        /** {@link #stop()} was called and the session closed cleanly. */
        STOPPED,
        /** The studio refused the token: re-register. */
        AUTH_FAILED,
        /** {@code ws_reconnect_attempts} consecutive connects failed. */
        OUT_OF_ATTEMPTS
    }

    /** A snapshot for status displays. */
    public record Status(boolean connected, boolean welcomed, boolean paused, String currentJobId,
            int pendingResults, int consecutiveFailures) {}

    private final SessionSettings settings;
    private final StudioEndpoints endpoints;
    private final String workerId;
    private final String authToken;
    private final Engine engine;
    private final Supplier<WorkerCapabilities> capabilities;
    private final Admission admission;
    private final ResultSpool spool;
    private final ResultUploader uploader;
    private final EventLoopGroup eventLoop;
    private final SessionListener listener;
    private final Function<Integer, List<LogEntry>> logDrain;
    private final Backoff reconnectBackoff;
    private final Backoff uploadBackoff;

    private final ScheduledExecutorService control;
    private final ExecutorService jobs;
    private final ExecutorService uploads;

    // Owned by the control thread.
    private StudioSocket socket;
    private boolean welcomed;
    private CompletableFuture<Closure> sessionEnd;
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> logShipping;
    private JobClaim currentJob;
    private CancellationToken currentCancel;
    private final Set<String> inDelivery = new HashSet<>();
    private boolean stopping;

    private volatile boolean paused;
    private volatile boolean connectedFlag;
    private volatile boolean welcomedFlag;
    private volatile String currentJobId;
    private volatile int consecutiveFailures;
    private final CompletableFuture<Void> stopRequested = new CompletableFuture<>();
    /** Completes when the connection we closed last is gone, i.e. our close frame was written (or failed). */
    private volatile CompletableFuture<Void> lastClose = CompletableFuture.completedFuture(null);

    private record Closure(boolean welcomed, boolean authFailed, int code, String reason) {}

    public WorkerSession(SessionSettings settings, StudioEndpoints endpoints, String workerId, String authToken,
            Engine engine, Supplier<WorkerCapabilities> capabilities, Admission admission, ResultSpool spool,
            ResultUploader uploader, EventLoopGroup eventLoop, SessionListener listener,
            Function<Integer, List<LogEntry>> logDrain) {
        this.settings = settings;
        this.endpoints = endpoints;
        this.workerId = workerId;
        this.authToken = authToken;
        this.engine = engine;
        this.capabilities = capabilities;
        this.admission = admission;
        this.spool = spool;
        this.uploader = uploader;
        this.eventLoop = eventLoop;
        this.listener = listener;
        this.logDrain = logDrain;
        this.reconnectBackoff = new Backoff(settings.reconnectInitial(), settings.reconnectMax(),
                ThreadLocalRandom.current());
        this.uploadBackoff = new Backoff(settings.uploadRetryInitial(), settings.uploadRetryMax(),
                ThreadLocalRandom.current());
        ScheduledThreadPoolExecutor controlThread = new ScheduledThreadPoolExecutor(1, named("session-control"));
        // Timers still pending when the session ends (the stop safety net, the grace-period cancel, heartbeats)
        // must not hold up shutdown: drop them instead of waiting for them to fire.
        controlThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        controlThread.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.control = controlThread;
        this.jobs = Executors.newSingleThreadExecutor(named("session-job"));
        this.uploads = Executors.newSingleThreadExecutor(named("session-upload"));
    }

    /** Connects and serves until {@link #stop()}, an auth failure, or too many failed connects. Blocks. */
    public Exit run() throws InterruptedException {
        try {
            int failures = 0;
            while (!stopRequested.isDone()) {
                Closure closure = serveOneConnection();
                if (closure.authFailed()) {
                    log.error("the studio refused this worker's credentials ({}); run 'runner register --reset' "
                            + "and register again", closure.reason());
                    return Exit.AUTH_FAILED;
                }
                if (stopRequested.isDone()) {
                    break;
                }
                failures = closure.welcomed() ? 0 : failures + 1;
                consecutiveFailures = failures;
                if (!closure.welcomed() && settings.reconnectAttempts() > 0
                        && failures >= settings.reconnectAttempts()) {
                    log.error("giving up after {} failed connects to {} (ws_reconnect_attempts = {})", failures,
                            endpoints.connect(workerId), settings.reconnectAttempts());
                    return Exit.OUT_OF_ATTEMPTS;
                }
                Duration delay = reconnectBackoff.delay(Math.max(1, failures));
                log.info("reconnecting in {} ms", delay.toMillis());
                try {
                    stopRequested.get(delay.toMillis(), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
                    // Waited out the backoff.
                }
            }
            return Exit.STOPPED;
        } finally {
            awaitLastClose();
            shutdownExecutors();
        }
    }

    /**
     * Asks the session to end: no new offers, the running job finishes (or is cancelled after the grace period and
     * reported as failed), results are delivered if the studio is there, then the socket closes with 1000.
     */
    public void stop() {
        post(() -> {
            if (stopping) {
                return;
            }
            stopping = true;
            // Whatever happens, the session ends a little after the grace period.
            control.schedule(this::finishStop, settings.shutdownGrace().toMillis() + 5_000, TimeUnit.MILLISECONDS);
            if (currentJob == null) {
                maybeFinishStop();
            } else {
                log.info("stopping: waiting up to {} s for job {} to finish", settings.shutdownGrace().toSeconds(),
                        currentJob.jobId());
                CancellationToken cancel = currentCancel;
                control.schedule(() -> {
                    if (currentJob != null && cancel == currentCancel) {
                        cancel.cancel("worker shutting down");
                    }
                }, settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
        post(this::maybeReadyForMore);
    }

    public Status status() {
        return new Status(connectedFlag, welcomedFlag, paused, currentJobId, spool.pending().size(),
                consecutiveFailures);
    }

    // ---- connection lifecycle (the calling thread blocks; state changes happen on control) ----

    private Closure serveOneConnection() throws InterruptedException {
        CompletableFuture<Closure> end = new CompletableFuture<>();
        URI uri = endpoints.connect(workerId);
        CompletableFuture<StudioSocket> connecting = StudioSocket.connect(eventLoop, uri, authToken,
                new StudioSocket.Options(settings.connectTimeout(), settings.readIdleTimeout(),
                        settings.maxFrameBytes()),
                new SocketEvents(end));
        try {
            // A stop while connecting ends the attempt at once instead of after the connect timeout (15 s).
            CompletableFuture.anyOf(connecting, stopRequested).exceptionally(t -> null).get();
            if (!connecting.isDone() && connecting.cancel(false)) {
                return new Closure(false, false, 0, "stopped while connecting");
            }
            connecting.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            boolean auth = cause instanceof StudioConnectException sce && sce.authFailed();
            log.warn("{}", cause.getMessage());
            return new Closure(false, auth, 0, cause.getMessage());
        }
        try {
            return end.get();
        } catch (ExecutionException e) {
            return new Closure(false, false, 0, String.valueOf(e.getCause()));
        }
    }

    /** Runs on control before any frame of this connection is handled (posted from the handshake event). */
    private void onOpened(StudioSocket opened, CompletableFuture<Closure> end) {
        cancelTimers();
        socket = opened;
        sessionEnd = end;
        welcomed = false;
        connectedFlag = true;
        listener.onConnected(workerId);
        log.info("connected to {}; saying hello", opened.uri());
        send(new WorkerFrame.Hello(authToken, currentCapabilities()));
        if (stopping) {
            maybeFinishStop();
        }
    }

    private void onWelcome(StudioFrame.Welcome welcome) {
        if (welcomed) {
            log.warn("ignoring a second welcome");
            return;
        }
        welcomed = true;
        welcomedFlag = true;
        consecutiveFailures = 0;
        log.info("welcomed by the studio as {}", welcome.workerId());
        listener.onWelcomed(welcome.workerId());
        heartbeat = control.scheduleAtFixedRate(this::sendHeartbeat, 0, settings.heartbeatInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        logShipping = control.scheduleAtFixedRate(this::shipLogs, settings.logBatchInterval().toMillis(),
                settings.logBatchInterval().toMillis(), TimeUnit.MILLISECONDS);
        replaySpool();
    }

    private void onClosed(CompletableFuture<Closure> end, int code, String reason) {
        if (end != sessionEnd) {
            // We ended this connection ourselves (closeSession): TCP going away now is expected, not news.
            log.debug("connection closed after the session ended ({} {})", code, reason);
            endSession(end, false, code, reason);
            return;
        }
        if (code != CloseCodes.NORMAL || !stopping) {
            log.warn("studio session closed: {}{}", CloseCodes.describe(code),
                    reason == null || reason.isEmpty() ? "" : " " + reason);
        }
        listener.onDisconnected(code, reason);
        endSession(end, code == CloseCodes.AUTH_FAILED, code, reason);
    }

    /** Ends this connection from our side: close frame with {@code code}, then the session is over. */
    private void closeSession(int code, String reason, boolean authFailed) {
        StudioSocket s = socket;
        if (s != null) {
            lastClose = s.close(code, reason);
            listener.onDisconnected(code, reason);
        }
        if (sessionEnd != null) {
            endSession(sessionEnd, authFailed, code, reason);
        }
    }

    /** Forgets the connection's state (once) and lets {@link #run()} move on. */
    private void endSession(CompletableFuture<Closure> end, boolean authFailed, int code, String reason) {
        boolean wasWelcomed = welcomed;
        if (end == sessionEnd && socket != null) {
            cancelTimers();
            socket = null;
            // Frames of this connection still queued on the control thread (a welcome right behind an error, say)
            // belong to a session that is over: SocketEvents drops them from now on.
            sessionEnd = null;
            welcomed = false;
            connectedFlag = false;
            welcomedFlag = false;
            // Frames awaiting an ack are sent again after the next welcome; uploads carry on by themselves.
            inDelivery.removeIf(jobId -> spool.get(jobId)
                    .map(e -> e.outcome() != SpooledResult.Outcome.BINARY).orElse(true));
        } else {
            wasWelcomed = false;
        }
        end.complete(new Closure(wasWelcomed, authFailed, code, reason));
    }

    /** Closes once nothing is left to do: no running job and no result awaiting the studio's answer. */
    private void maybeFinishStop() {
        if (stopping && currentJob == null && (inDelivery.isEmpty() || socket == null)) {
            finishStop();
        }
    }

    private void finishStop() {
        stopRequested.complete(null);
        if (socket != null) {
            log.info("closing the studio session (1000)");
            shipLogs();
            closeSession(CloseCodes.NORMAL, "worker shutting down", false);
        }
    }

    // ---- frames from the studio (control thread) ----

    private void onFrame(StudioFrame frame) {
        if (!welcomed && !(frame instanceof StudioFrame.Welcome) && !(frame instanceof StudioFrame.Error)) {
            log.warn("ignoring {} frame received before welcome", frame.getClass().getSimpleName());
            return;
        }
        switch (frame) {
            case StudioFrame.Welcome welcome -> onWelcome(welcome);
            case StudioFrame.Offer offer -> onOffer(offer.claim());
            case StudioFrame.HeartbeatAck ack -> { }
            case StudioFrame.CompleteAck ack -> onAck(ack.jobId(), "completeAck");
            case StudioFrame.FailAck ack -> onAck(ack.jobId(), "failAck");
            case StudioFrame.Error error -> onError(error);
        }
    }

    private void onError(StudioFrame.Error error) {
        if (error.code() == ErrorCode.AUTH_FAILED) {
            log.error("studio error auth_failed: {}", error.message());
            closeSession(CloseCodes.AUTH_FAILED, "auth failed", true);
        } else {
            log.error("studio error {}: {}; ending this session", error.code(), error.message());
            closeSession(error.code().closeCode(), error.code().wireName(), false);
        }
    }

    private void onInvalidFrame(String text, ProtocolException problem) {
        // An offer we cannot read is still answered, so the studio does not wait for it forever.
        String jobId = offerJobId(text);
        if (jobId != null && welcomed) {
            log.warn("rejecting offer {}: {}", jobId, problem.getMessage());
            send(new WorkerFrame.Reject(jobId, "protocol violation: " + problem.getMessage()));
            return;
        }
        log.warn("ignoring invalid frame from the studio: {} (frame: {})", problem.getMessage(), text);
    }

    private static String offerJobId(String text) {
        try {
            var tree = WireJson.mapper().readTree(text);
            if ("offer".equals(tree.path("type").asText()) && tree.path("claim").path("jobId").isTextual()) {
                return tree.path("claim").path("jobId").asText();
            }
        } catch (IOException | RuntimeException e) {
            // Not JSON at all: nothing to answer.
        }
        return null;
    }

    private void onBinaryFrame() {
        log.error("the studio sent a binary frame, which the protocol forbids; closing with 4002");
        closeSession(CloseCodes.PROTOCOL_VIOLATION, "binary frames are not allowed", false);
    }

    // ---- jobs ----

    private void onOffer(JobClaim claim) {
        Optional<String> refusal = stopping
                ? Optional.of("worker is shutting down")
                : admission.refusal(claim, paused, currentJob == null ? null : currentJob.jobId());
        // The engine lock is shared with local API jobs; taking it is what makes "not busy" true.
        JobGate.Lease lease = refusal.isPresent() ? null : admission.gate().tryAcquire(new JobGate.Holder(
                claim.jobId(), JobGate.Source.STUDIO, claim.kind(), claim.model(), Instant.now()));
        if (refusal.isEmpty() && lease == null) {
            JobGate.Holder other = admission.gate().current();
            refusal = Optional.of("busy: running " + (other == null ? "another job" : other.describe()));
        }
        if (refusal.isPresent()) {
            log.info("rejecting job {}: {}", claim.jobId(), refusal.get());
            send(new WorkerFrame.Reject(claim.jobId(), refusal.get()));
            listener.onOfferRejected(claim, refusal.get());
            return;
        }
        send(new WorkerFrame.Accept(claim.jobId()));
        Optional<SpooledResult> done = spool.get(claim.jobId());
        if (done.isPresent()) {
            // Offered again after we finished it (the acknowledgement was lost): deliver, don't recompute.
            lease.close();
            log.info("job {} was already finished; delivering the spooled result", claim.jobId());
            deliver(done.get());
            return;
        }
        currentJob = claim;
        currentJobId = claim.jobId();
        CancellationToken cancel = new CancellationToken();
        currentCancel = cancel;
        listener.onJobStarted(claim);
        try (var mdc = MDC.putCloseable(JOB_ID_MDC, claim.jobId())) {
            log.info("running job {} ({} on {})", claim.jobId(), claim.kind(), claim.modelSource().engine());
        }
        try {
            jobs.execute(() -> runJob(claim, cancel, lease));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            lease.close();
            throw e;
        }
    }

    /** Job thread: run the engine, spool the outcome, hand it back to control. Releases the engine lock. */
    private void runJob(JobClaim claim, CancellationToken cancel, JobGate.Lease lease) {
        try (lease; var mdc = MDC.putCloseable(JOB_ID_MDC, claim.jobId())) {
            runJob(claim, cancel, (Runnable) lease::close);
        }
    }

    /**
     * {@code releaseEngine} runs once the engine is done and before control hears of it: the studio may offer the
     * next job as soon as the result arrives, and that offer must find the engine free.
     */
    private void runJob(JobClaim claim, CancellationToken cancel, Runnable releaseEngine) {
        long start = System.nanoTime();
        String error = null;
        SpooledResult entry;
        try {
            try {
                TaskResult result = engine.run(claim, p -> listener.onJobProgress(claim, p), cancel);
                try {
                    listener.onJobResult(claim, result);
                } catch (RuntimeException e) {
                    log.warn("session listener failed on the result of job {}: {}", claim.jobId(), e.toString());
                }
                entry = switch (result) {
                    case BinaryResult binary -> spool.putBinary(claim.jobId(), workerId, claim.fullPrompt(),
                            binary.ext(), binary.bytes());
                    case JsonResult json -> spool.putJson(claim.jobId(), workerId, claim.fullPrompt(), json.json());
                };
            } catch (EngineException e) {
                error = e.getMessage();
                log.warn("job {} failed: {}", claim.jobId(), e.getMessage());
                entry = spool.putFailure(claim.jobId(), workerId, e.getMessage(), e.retryable());
            } catch (RuntimeException | Error e) {
                error = "internal error in engine " + engine.id() + ": " + e;
                log.error("job {} crashed the engine", claim.jobId(), e);
                entry = spool.putFailure(claim.jobId(), workerId, error, true);
            }
        } catch (IOException e) {
            // The disk refused the result: the job is lost locally, so say so while we still can.
            log.error("cannot spool the result of job {}: {}", claim.jobId(), e.toString());
            String message = "worker could not store the result: " + e.getMessage();
            releaseEngine.run();
            control.execute(() -> {
                send(new WorkerFrame.Fail(claim.jobId(), message, true));
                jobDone(claim);
                maybeFinishStop();
            });
            return;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        listener.onJobFinished(claim, elapsed, error);
        SpooledResult finished = entry;
        releaseEngine.run();
        control.execute(() -> {
            jobDone(claim);
            deliver(finished);
            maybeFinishStop();
        });
    }

    private void jobDone(JobClaim claim) {
        if (currentJob != null && currentJob.jobId().equals(claim.jobId())) {
            currentJob = null;
            currentJobId = null;
            currentCancel = null;
        }
    }

    // ---- delivery (control thread, uploads on their own thread) ----

    private void replaySpool() {
        for (SpooledResult entry : spool.pending()) {
            if (workerId.equals(entry.workerId())) {
                deliver(entry);
            } else {
                log.warn("spooled result of job {} belongs to worker {}, not {}; keeping it", entry.jobId(),
                        entry.workerId(), workerId);
            }
        }
    }

    private void deliver(SpooledResult entry) {
        if (!welcomed || !inDelivery.add(entry.jobId())) {
            return; // delivered on the next welcome, or already on its way
        }
        switch (entry.outcome()) {
            case JSON -> send(new WorkerFrame.CompleteJson(entry.jobId(), entry.json(), entry.prompt()));
            case FAILURE -> send(new WorkerFrame.Fail(entry.jobId(), entry.error(),
                    entry.retryable() != null && entry.retryable()));
            case BINARY -> uploads.execute(() -> upload(entry));
        }
    }

    /** Upload thread: retries transient failures with backoff; a permanent refusal turns into {@code fail}. */
    private void upload(SpooledResult entry) {
        SpooledResult current = entry;
        for (int attempt = 1; ; attempt++) {
            try {
                current = spool.recordAttempt(current);
                byte[] bytes = spool.readPayload(current);
                uploader.upload(workerId, authToken, current.jobId(), current.prompt(), current.ext(), bytes);
                String jobId = current.jobId();
                control.execute(() -> acknowledged(jobId, true));
                return;
            } catch (UploadException e) {
                if (!e.retryable()) {
                    refuse(current, e.getMessage());
                    return;
                }
                if (attempt >= settings.uploadAttempts() || stopRequested.isDone()) {
                    log.warn("{}; keeping the result spooled and trying again in {} s", e.getMessage(),
                            settings.uploadRetryMax().toSeconds());
                    String jobId = current.jobId();
                    control.execute(() -> {
                        inDelivery.remove(jobId);
                        scheduleRedelivery(jobId);
                        maybeFinishStop();
                    });
                    return;
                }
                Duration delay = uploadBackoff.delay(attempt);
                log.warn("{}; retry {} in {} ms", e.getMessage(), attempt, delay.toMillis());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            } catch (IOException e) {
                refuse(current, "spooled result unreadable: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * A result whose upload ran out of attempts is tried again after {@code uploadRetryMax} while this session lasts
     * (a new session replays the whole spool anyway), so a long studio outage does not strand it until a reconnect.
     */
    private void scheduleRedelivery(String jobId) {
        if (stopping) {
            return;
        }
        control.schedule(() -> {
            if (welcomed && !stopping && !inDelivery.contains(jobId)) {
                spool.get(jobId).ifPresent(this::deliver);
            }
        }, settings.uploadRetryMax().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The studio will never take this upload: keep the bytes aside and report the job as failed instead. */
    private void refuse(SpooledResult entry, String why) {
        log.error("result of job {} refused for good: {}", entry.jobId(), why);
        try {
            spool.moveToRefused(entry.jobId());
            SpooledResult failure = spool.putFailure(entry.jobId(), workerId, "result upload refused: " + why, false);
            control.execute(() -> {
                inDelivery.remove(entry.jobId());
                deliver(failure);
            });
        } catch (IOException e) {
            log.error("cannot record the refusal of job {}: {}", entry.jobId(), e.toString());
        }
    }

    private void onAck(String jobId, String what) {
        if (!inDelivery.contains(jobId) && !spool.contains(jobId)) {
            log.debug("{} for job {} that is not awaiting one", what, jobId);
            return;
        }
        acknowledged(jobId, true);
        maybeReadyForMore();
    }

    private void acknowledged(String jobId, boolean accepted) {
        inDelivery.remove(jobId);
        try {
            spool.remove(jobId);
        } catch (IOException e) {
            log.warn("cannot remove acknowledged result {} from the spool: {}", jobId, e.toString());
        }
        listener.onDelivered(jobId, accepted);
        maybeFinishStop();
    }

    private void maybeReadyForMore() {
        if (welcomed && !paused && !stopping && currentJob == null) {
            send(new WorkerFrame.ReadyForMore());
        }
    }

    // ---- periodic ----

    private void sendHeartbeat() {
        send(new WorkerFrame.Heartbeat(currentCapabilities(), currentJob == null ? null : currentJob.jobId()));
    }

    private void shipLogs() {
        if (!welcomed) {
            return;
        }
        List<LogEntry> entries = logDrain.apply(MAX_LOG_BATCH);
        if (!entries.isEmpty()) {
            send(new WorkerFrame.LogBatch(entries));
        }
    }

    private WorkerCapabilities currentCapabilities() {
        return capabilities.get().withAutoEnabled(!paused && !stopping);
    }

    private void send(WorkerFrame frame) {
        StudioSocket s = socket;
        if (s == null) {
            return;
        }
        s.send(frame).whenComplete((ok, error) -> {
            if (error != null) {
                log.debug("could not send {}: {}", frame.getClass().getSimpleName(), error.toString());
            }
        });
    }

    private void cancelTimers() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
        if (logShipping != null) {
            logShipping.cancel(false);
            logShipping = null;
        }
    }

    /**
     * Waits (briefly) until our last close frame is on the wire: the caller shuts the event loop down next, and a
     * write still queued then is dropped with the channel, so the studio would see a bare TCP drop instead of 1000.
     */
    private void awaitLastClose() {
        try {
            lastClose.get(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("closing the studio connection did not finish: {}", e.toString());
        }
    }

    private void shutdownExecutors() {
        CancellationToken cancel = currentCancel;
        if (cancel != null) {
            cancel.cancel("worker stopped");
        }
        uploads.shutdownNow();
        jobs.shutdown();
        // Pending timers (heartbeats, the stop deadline) are moot now; plain shutdown() would still wait for them.
        control.shutdownNow();
        try {
            jobs.awaitTermination(5, TimeUnit.SECONDS);
            control.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return Thread.ofPlatform().name(name).daemon(true).factory();
    }

    /** Runs {@code task} on the control thread; dropped once the session is over (late Netty callbacks). */
    private void post(Runnable task) {
        try {
            control.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // The executor would keep this in a future nobody reads: say it, or the session stalls silently.
                    log.error("session event handler failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("session already shut down; dropping a late callback");
        }
    }

    /** Netty callbacks, moved onto the control thread. */
    private final class SocketEvents implements StudioSocket.Listener {
        private final CompletableFuture<Closure> end;

        SocketEvents(CompletableFuture<Closure> end) {
            this.end = end;
        }

        @Override
        public void onOpen(StudioSocket opened) {
            post(() -> onOpened(opened, end));
        }

        @Override
        public void onFrame(StudioFrame frame) {
            post(() -> {
                if (end == sessionEnd) {
                    WorkerSession.this.onFrame(frame);
                }
            });
        }

        @Override
        public void onInvalidFrame(String text, ProtocolException problem) {
            post(() -> {
                if (end == sessionEnd) {
                    WorkerSession.this.onInvalidFrame(text, problem);
                }
            });
        }

        @Override
        public void onBinaryFrame() {
            post(() -> {
                if (end == sessionEnd) {
                    WorkerSession.this.onBinaryFrame();
                }
            });
        }

        @Override
        public void onClosed(int code, String reason) {
            post(() -> WorkerSession.this.onClosed(end, code, reason));
        }
    }
}
