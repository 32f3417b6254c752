package gg.minis.studio.worker.runner.localstudio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.MediaTypes;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.CloseCodes;
import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.LogEntry;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, in-process studio on loopback that speaks the studio side of the worker protocol (docs: protocol.md):
 * registration over HTTP, the WebSocket session, job offers, and the HTTP multipart complete. The runner's
 * {@code demo} command, the tests and the benchmarks run real workers against it; {@link #faults()} drives every
 * failure path.
 *
 * <p>Policies a real studio also has to pick, as this one does:
 * <ul>
 *   <li>One job at a time per worker, FIFO, to any welcomed idle worker (capabilities are not matched: the worker
 *       rejects what it cannot run). A session is idle after {@code welcome}, after {@code completeAck} /
 *       {@code failAck}, after a reject, after {@code readyForMore}, and after answering a multipart complete.</li>
 *   <li>A second connection of the same worker wins: once its {@code hello} checks out, the older session gets
 *       {@code error duplicate_worker} and close 4003. A restarted worker usually reconnects before the studio notices
 *       its old TCP connection died, so refusing the newcomer would lock it out.</li>
 *   <li>A job offered but not answered when the session ends is re-queued. A job <em>accepted</em> stays
 *       {@link JobStatus#ACCEPTED} for that worker, and any later session of the same worker may deliver its outcome
 *       (from its spool).</li>
 *   <li>Outcomes are idempotent: a repeated complete or fail is acknowledged again and counted, the first result is
 *       kept. A complete for a job never offered to that worker is acknowledged on the WebSocket, answered 404/409
 *       on HTTP, and recorded in {@link #unexpectedCompletions()}.</li>
 *   <li>A register request is de-duplicated by {@code installId} while it is pending (a re-submission replaces the
 *       secret hash, returns the same {@code requestId}); after approval, rejection or {@link #forget} the same
 *       {@code installId} starts a new request.</li>
 * </ul>
 * Deviations from the contract that are not fatal (wrong file name or content type in an upload, a
 * {@code readyForMore} after a multipart complete, a stray accept) are listed in {@link #violations()}.
 */
public final class LocalStudio implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStudio.class);

    public static final String SUBPROTOCOL = "studio-worker-v1";
    public static final String API_PREFIX = "/graphics/api";

    private static final ObjectWriter FRAME_WRITER = WireJson.mapper().writerFor(StudioFrame.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum RegistrationMode {
        /** A register request is approved on its first authenticated poll. */
        AUTO_APPROVE,
        /** Requests stay pending until {@link #approve}, {@link #reject} or {@link #forget}. */
        MANUAL
    }

    /**
     * @param port             0 for an ephemeral port
     * @param reofferRejected  put a rejected job back in the queue (after {@code reofferDelay}) instead of ending it
     * @param maxFrameBytes    largest WebSocket message accepted from a worker
     * @param maxUploadBytes   largest HTTP request body (multipart complete)
     * @param historyCapacity  how many events and log entries are kept (oldest dropped first)
     */
    public record Options(
            int port,
            RegistrationMode registrationMode,
            boolean reofferRejected,
            Duration reofferDelay,
            int maxFrameBytes,
            int maxUploadBytes,
            int historyCapacity) {

        public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;
        public static final int DEFAULT_MAX_UPLOAD_BYTES = 256 << 20;

        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            Objects.requireNonNull(registrationMode, "registrationMode");
            Objects.requireNonNull(reofferDelay, "reofferDelay");
            if (maxFrameBytes < 1024 || maxUploadBytes < 1024 || historyCapacity < 1) {
                throw new IllegalArgumentException("limits too small");
            }
        }

        public static Options defaults() {
            return builder().build();
        }

        public static Builder builder() {
            return new Builder();
        }

        public Builder toBuilder() {
            return new Builder().port(port).registrationMode(registrationMode).reofferRejected(reofferRejected)
                    .reofferDelay(reofferDelay).maxFrameBytes(maxFrameBytes).maxUploadBytes(maxUploadBytes)
                    .historyCapacity(historyCapacity);
        }

        public static final class Builder {
            private int port;
            private RegistrationMode registrationMode = RegistrationMode.AUTO_APPROVE;
            private boolean reofferRejected;
            private Duration reofferDelay = Duration.ofMillis(200);
            private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
            private int maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES;
            private int historyCapacity = 10_000;

            public Builder port(int port) {
                this.port = port;
                return this;
            }

            public Builder registrationMode(RegistrationMode mode) {
                this.registrationMode = mode;
                return this;
            }

            public Builder reofferRejected(boolean reoffer) {
                this.reofferRejected = reoffer;
                return this;
            }

            public Builder reofferDelay(Duration delay) {
                this.reofferDelay = delay;
                return this;
            }

            public Builder maxFrameBytes(int bytes) {
                this.maxFrameBytes = bytes;
                return this;
            }

            public Builder maxUploadBytes(int bytes) {
                this.maxUploadBytes = bytes;
                return this;
            }

            public Builder historyCapacity(int capacity) {
                this.historyCapacity = capacity;
                return this;
            }

            public Options build() {
                return new Options(port, registrationMode, reofferRejected, reofferDelay, maxFrameBytes,
                        maxUploadBytes, historyCapacity);
            }
        }
    }

    /** A worker's credentials. */
    public record Credentials(String workerId, String authToken) {
        public Credentials {
            Objects.requireNonNull(workerId, "workerId");
            Objects.requireNonNull(authToken, "authToken");
        }

        @Override
        public String toString() {
            return "Credentials[workerId=" + workerId + ", authToken=<redacted>]";
        }
    }

    /** A complete (or fail) for a job this worker was never offered. {@code via}: completeJson, fail, multipart. */
    public record UnexpectedCompletion(Instant at, String workerId, String jobId, String via) {}

    // ---- state, all guarded by lock ----------------------------------------------------------------------------

    private final Object lock = new Object();
    private final Options options;
    private final Faults faults = new Faults(this);
    private final Map<String, WorkerState> workers = new LinkedHashMap<>();
    private final RegistrationDesk desk;
    private final Map<String, JobState> jobs = new LinkedHashMap<>();
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Set<WorkerSession> sessions = new LinkedHashSet<>();
    private final Set<Channel> stalled = new LinkedHashSet<>();
    private final ArrayDeque<LogEntry> logs = new ArrayDeque<>();
    private final List<String> violations = new ArrayList<>();
    private final List<UnexpectedCompletion> unexpected = new ArrayList<>();
    private int sessionSeq;
    private int connectionCount;
    private Integer lastCloseSent;
    private Integer lastCloseReceived;

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final Channel serverChannel;
    /** Completes futures off the event loop and outside the lock, in order. */
    private final ExecutorService notifier;
    private final EventJournal journal;
    private final URI baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private static final class WorkerState {
        final String workerId;
        final String authToken;
        WorkerCapabilities capabilities;
        String currentJobId;
        int heartbeats;
        WorkerSession session; // the welcomed session, if any

        WorkerState(String workerId, String authToken) {
            this.workerId = workerId;
            this.authToken = authToken;
        }
    }

    private static final class JobState {
        final JobClaim claim;
        final Instant submittedAt = Instant.now();
        final CompletableFuture<JobRecord> outcome = new CompletableFuture<>();
        JobStatus status = JobStatus.QUEUED;
        String workerId;
        int offerCount;
        final List<String> rejections = new ArrayList<>();
        JsonNode result;
        byte[] bytes;
        String ext;
        String filename;
        String contentType;
        String prompt;
        String error;
        boolean retryable;
        int completions;
        int fails;
        Instant offeredAt;
        Instant acceptedAt;
        Instant completedAt;

        JobState(JobClaim claim) {
            this.claim = claim;
        }

        JobRecord snapshot() {
            return new JobRecord(claim.jobId(), claim, status, workerId, offerCount, rejections, result, bytes, ext,
                    filename, contentType, prompt, error, retryable, completions, fails, submittedAt, offeredAt,
                    acceptedAt, completedAt);
        }
    }


    // ---- lifecycle ---------------------------------------------------------------------------------------------

    private LocalStudio(Options options) {
        this.options = options;
        this.notifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "local-studio-notifier");
            t.setDaemon(true);
            return t;
        });
        this.journal = new EventJournal(options.historyCapacity(), this::notify);
        this.desk = new RegistrationDesk(lock, this, options.registrationMode() == RegistrationMode.AUTO_APPROVE);
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workerGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(bossGroup, workerGroup)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregator", new HttpObjectAggregator(options.maxUploadBytes()))
                                    .addLast("router", new HttpRouter(LocalStudio.this));
                        }
                    });
            this.serverChannel = bootstrap.bind(new InetSocketAddress("127.0.0.1", options.port()))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            shutdownGroups();
            notifier.shutdownNow();
            throw e;
        }
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        this.baseUrl = URI.create("http://127.0.0.1:" + port + "/");
        LOG.info("local studio listening on {} ({} registration)", baseUrl, options.registrationMode());
    }

    /** Binds 127.0.0.1 and starts serving. */
    public static LocalStudio start(Options options) {
        return new LocalStudio(Objects.requireNonNull(options, "options"));
    }

    public static LocalStudio start() {
        return start(Options.defaults());
    }

    /**
     * Closes every session with 1000 (waiting briefly for the workers' close frames), then stops the server.
     * Outcome futures of unfinished jobs complete exceptionally.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<WorkerSession> live;
        List<Channel> hung;
        synchronized (lock) {
            live = new ArrayList<>(sessions);
            hung = new ArrayList<>(stalled);
        }
        for (WorkerSession s : live) {
            s.closeWith(CloseCodes.NORMAL, "studio shutting down");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (WorkerSession s : live) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !s.channel.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                s.channel.close();
            }
        }
        hung.forEach(Channel::close);
        serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdownGroups();
        List<CompletableFuture<JobRecord>> pending = new ArrayList<>();
        synchronized (lock) {
            for (JobState j : jobs.values()) {
                if (!j.outcome.isDone()) {
                    pending.add(j.outcome);
                }
            }
        }
        journal.close(new IllegalStateException("local studio closed"));
        pending.forEach(f -> f.completeExceptionally(new IllegalStateException("local studio closed")));
        notifier.shutdown();
        LOG.info("local studio on {} closed", baseUrl);
    }

    private void shutdownGroups() {
        var a = workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        var b = bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        a.awaitUninterruptibly(5, TimeUnit.SECONDS);
        b.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- addresses ---------------------------------------------------------------------------------------------

    /** {@code http://127.0.0.1:PORT/}: a worker's {@code api_base_url}. */
    public URI baseUrl() {
        return baseUrl;
    }

    /** {@code http://127.0.0.1:PORT/graphics/api}. */
    public URI apiUrl() {
        return baseUrl.resolve(API_PREFIX.substring(1));
    }

    /** {@code ws://127.0.0.1:PORT/graphics/api/workers/{workerId}/connect}. */
    public URI connectUrl(String workerId) {
        return URI.create("ws://127.0.0.1:" + port() + API_PREFIX + "/workers/" + workerId + "/connect");
    }

    public int port() {
        return baseUrl.getPort();
    }

    public Options options() {
        return options;
    }

    public Faults faults() {
        return faults;
    }

    // ---- workers and registration (RegistrationDesk) ----------------------------------------------------------

    /** Pre-seeds a worker's credentials (as if registration had happened). */
    public void registerWorker(String workerId, String authToken) {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(authToken, "authToken");
        synchronized (lock) {
            WorkerState old = workers.get(workerId);
            if (old != null && !old.authToken.equals(authToken)) {
                throw new IllegalStateException("worker " + workerId + " already has another token");
            }
            if (old == null) {
                workers.put(workerId, new WorkerState(workerId, authToken));
            }
        }
    }

    /** Creates a worker with a fresh id and token. */
    public Credentials newWorker() {
        synchronized (lock) {
            return issueCredentialsLocked();
        }
    }

    /** Deletes a worker: its live session gets {@code error worker_deleted} and close 4004; its token stops working. */
    public void deleteWorker(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.remove(workerId);
            if (w != null && w.session != null) {
                WorkerSession s = w.session;
                s.send(new StudioFrame.Error(ErrorCode.WORKER_DELETED, "worker " + workerId + " was deleted"));
                s.closeWith(CloseCodes.WORKER_DELETED, "worker deleted");
                detachLocked(s);
            }
        }
    }

    /** Approves a pending request (MANUAL mode); returns the new worker's credentials. Idempotent. */
    public Credentials approve(String requestId) {
        return desk.approve(requestId);
    }

    /** Rejects a pending request; {@code reason} may be null (then absent on the wire). */
    public void reject(String requestId, String reason) {
        desk.reject(requestId, reason);
    }

    /** Forgets a request: polling it answers 404 afterwards. */
    public void forget(String requestId) {
        desk.forget(requestId);
    }

    public List<RegistrationRecord> registrationRequests() {
        return desk.requests();
    }

    public Optional<RegistrationRecord> registrationRequest(String requestId) {
        return desk.request(requestId);
    }

    /** The credentials of an approved request, if approved. */
    public Optional<Credentials> credentialsFor(String requestId) {
        return desk.credentialsFor(requestId);
    }

    /** A new worker with a fresh id and token (the desk approving a request); call with the lock held. */
    Credentials issueCredentialsLocked() {
        Credentials c = new Credentials("worker-" + randomHex(6), randomHex(32));
        workers.put(c.workerId(), new WorkerState(c.workerId(), c.authToken()));
        return c;
    }

    /** The credentials of a worker that still exists; call with the lock held. */
    Optional<Credentials> credentialsLocked(String workerId) {
        WorkerState w = workerId == null ? null : workers.get(workerId);
        return w == null ? Optional.empty() : Optional.of(new Credentials(w.workerId, w.authToken));
    }

    RegistrationDesk registrations() {
        return desk;
    }

    // ---- jobs API ----------------------------------------------------------------------------------------------

    /** Queues a job; it is offered to the next idle worker. */
    public JobRecord submit(JobClaim claim) {
        Objects.requireNonNull(claim, "claim");
        synchronized (lock) {
            if (jobs.containsKey(claim.jobId())) {
                throw new IllegalArgumentException("job " + claim.jobId() + " already submitted");
            }
            JobState j = new JobState(claim);
            jobs.put(claim.jobId(), j);
            queue.addLast(claim.jobId());
            dispatchLocked();
            return j.snapshot();
        }
    }

    /** Completes when the job is COMPLETED, FAILED or (finally) REJECTED, with that snapshot. */
    public CompletableFuture<JobRecord> awaitOutcome(String jobId) {
        synchronized (lock) {
            JobState j = jobs.get(jobId);
            if (j == null) {
                throw new IllegalArgumentException("unknown job " + jobId);
            }
            return j.outcome;
        }
    }

    public Optional<JobRecord> job(String jobId) {
        synchronized (lock) {
            return Optional.ofNullable(jobs.get(jobId)).map(JobState::snapshot);
        }
    }

    public List<JobRecord> jobs() {
        synchronized (lock) {
            return jobs.values().stream().map(JobState::snapshot).toList();
        }
    }

    /** Jobs waiting for a worker. */
    public int queuedCount() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** Drops finished jobs (keeps memory flat in long benchmarks). */
    public void purgeFinishedJobs() {
        synchronized (lock) {
            jobs.values().removeIf(j -> j.status.isFinal() && j.outcome.isDone());
        }
    }

    // ---- observation API ---------------------------------------------------------------------------------------

    public List<LogEntry> logs() {
        synchronized (lock) {
            return List.copyOf(logs);
        }
    }

    public List<StudioEvent> events() {
        return journal.all();
    }

    /** The types of frames received from {@code workerId}, in order. */
    public List<String> receivedTypes(String workerId) {
        return journal.types(StudioEvent.Kind.RECEIVED, workerId);
    }

    /** The types of frames sent to {@code workerId}, in order. */
    public List<String> sentTypes(String workerId) {
        return journal.types(StudioEvent.Kind.SENT, workerId);
    }

    /** Sequence number of the newest event (0 before any): pass it to {@link #awaitEventAfter}. */
    public long lastEventSeq() {
        return journal.lastSeq();
    }

    /** The first event, among those still kept and those to come, that matches. */
    public CompletableFuture<StudioEvent> awaitEvent(Predicate<StudioEvent> predicate) {
        return awaitEventAfter(0, predicate);
    }

    /** The first event with {@code seq > afterSeq} that matches. */
    public CompletableFuture<StudioEvent> awaitEventAfter(long afterSeq, Predicate<StudioEvent> predicate) {
        return journal.await(afterSeq, predicate);
    }

    /** Completes when {@code workerId} has been sent a {@code welcome} after {@code afterSeq}. */
    public CompletableFuture<StudioEvent> awaitWelcome(String workerId, long afterSeq) {
        return awaitEventAfter(afterSeq, e -> e.is(StudioEvent.Kind.SENT, "welcome") && workerId.equals(e.workerId()));
    }

    /** Contract deviations noticed so far (not fatal ones; those close the session). Empty for a correct worker. */
    public List<String> violations() {
        synchronized (lock) {
            return List.copyOf(violations);
        }
    }

    public List<UnexpectedCompletion> unexpectedCompletions() {
        synchronized (lock) {
            return List.copyOf(unexpected);
        }
    }

    /** WebSocket upgrades that succeeded, in total. */
    public int connectionCount() {
        synchronized (lock) {
            return connectionCount;
        }
    }

    /** Connections whose upgrade is being left unanswered ({@code stallUpgrades}) and are still open. */
    public int stalledConnectionCount() {
        synchronized (lock) {
            return stalled.size();
        }
    }

    /** Live WebSocket sessions (welcomed or not). */
    public int activeSessionCount() {
        synchronized (lock) {
            return sessions.size();
        }
    }

    /** Whether {@code workerId} has a welcomed session now. */
    public boolean isConnected(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            return w != null && w.session != null;
        }
    }

    public OptionalInt lastCloseCodeSent() {
        synchronized (lock) {
            return lastCloseSent == null ? OptionalInt.empty() : OptionalInt.of(lastCloseSent);
        }
    }

    public OptionalInt lastCloseCodeReceived() {
        synchronized (lock) {
            return lastCloseReceived == null ? OptionalInt.empty() : OptionalInt.of(lastCloseReceived);
        }
    }

    /** The capabilities of the last hello or heartbeat. */
    public Optional<WorkerCapabilities> workerCapabilities(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            return w == null ? Optional.empty() : Optional.ofNullable(w.capabilities);
        }
    }

    /** The {@code currentJobId} of the last heartbeat (empty when absent). */
    public Optional<String> currentJobId(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            return w == null ? Optional.empty() : Optional.ofNullable(w.currentJobId);
        }
    }

    public int heartbeatCount(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            return w == null ? 0 : w.heartbeats;
        }
    }

    // ---- HTTP handlers (event loop) ----------------------------------------------------------------------------

    boolean tokenMatches(String workerId, String token) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            return w != null && token != null && constantTimeEquals(w.authToken, token);
        }
    }

    /** Null to go on, else the answer: 401 for bad credentials, 404 for an unknown job, 409 for another's job. */
    HttpRouter.Reply precheckComplete(String workerId, String token, String jobId) {
        synchronized (lock) {
            if (!tokenMatches(workerId, token)) {
                return HttpRouter.Reply.error(401, "unknown worker or bad token");
            }
            JobState j = jobs.get(jobId);
            if (j == null) {
                unexpected.add(new UnexpectedCompletion(Instant.now(), workerId, jobId, "multipart"));
                return HttpRouter.Reply.error(404, "unknown job " + jobId);
            }
            if (!workerId.equals(j.workerId)) {
                unexpected.add(new UnexpectedCompletion(Instant.now(), workerId, jobId, "multipart"));
                return HttpRouter.Reply.error(409, "job " + jobId + " was not offered to " + workerId);
            }
            return null;
        }
    }

    HttpRouter.Reply storeMultipartComplete(String workerId, String jobId, HttpRouter.Upload upload) {
        synchronized (lock) {
            String wantName = jobId + "." + upload.ext();
            if (!wantName.equals(upload.filename())) {
                violation("job " + jobId + ": upload filename '" + upload.filename() + "', expected '" + wantName + "'");
            }
            String wantType = MediaTypes.forExtension(upload.ext());
            if (!wantType.equalsIgnoreCase(upload.contentType())) {
                violation("job " + jobId + ": upload content type '" + upload.contentType() + "', expected '"
                        + wantType + "'");
            }
            JobState j = jobs.get(jobId);
            if (j == null || !workerId.equals(j.workerId)) { // forgotten meanwhile
                return HttpRouter.Reply.error(404, "unknown job " + jobId);
            }
            boolean first = j.completions == 0 && j.fails == 0;
            j.completions++;
            if (first) {
                j.bytes = upload.bytes();
                j.ext = upload.ext();
                j.filename = upload.filename();
                j.contentType = upload.contentType();
                j.prompt = upload.prompt();
                finishLocked(j, JobStatus.COMPLETED);
            } else {
                violation("job " + jobId + " delivered again (multipart, " + (j.completions + j.fails) + " times)");
            }
            LOG.debug("job {} completed by {} via multipart ({} bytes)", jobId, workerId, upload.bytes().length);
            WorkerState w = workers.get(workerId);
            if (w != null && w.session != null && jobId.equals(w.session.outstandingJobId)) {
                w.session.outstandingJobId = null;
                w.session.multipartSinceLastAnswer = true;
            }
            return new HttpRouter.Reply(204, null);
        }
    }

    void recordAbandonedComplete(String workerId, String jobId) {
        record(null, workerId, StudioEvent.Kind.HTTP, "POST complete " + jobId, "abandoned by client");
    }

    void recordHttp(String what, int status) {
        record(null, null, StudioEvent.Kind.HTTP, what, String.valueOf(status));
    }

    void recordRefused(String workerId, String why) {
        record(null, workerId, StudioEvent.Kind.REFUSED, "upgrade", why);
    }

    void stall(Channel channel, String workerId) {
        synchronized (lock) {
            stalled.add(channel);
            channel.closeFuture().addListener(f -> {
                synchronized (lock) {
                    stalled.remove(channel);
                }
            });
        }
        record(null, workerId, StudioEvent.Kind.REFUSED, "upgrade", "left unanswered (stallUpgrades)");
    }

    // ---- WebSocket handlers ------------------------------------------------------------------------------------

    WorkerSession newSession(String workerId, Channel channel) {
        synchronized (lock) {
            return new WorkerSession(this, ++sessionSeq, workerId, channel);
        }
    }

    void onSessionOpen(WorkerSession s) {
        synchronized (lock) {
            if (closed.get()) {
                s.drop();
                return;
            }
            sessions.add(s);
            connectionCount++;
            record(s, s.workerId, StudioEvent.Kind.CONNECTED, "connect", null);
        }
    }

    void onSessionClosed(WorkerSession s) {
        synchronized (lock) {
            if (!sessions.remove(s)) {
                return;
            }
            record(s, s.workerId, StudioEvent.Kind.DISCONNECTED, "disconnect", null);
            detachLocked(s);
            s.state = WorkerSession.State.CLOSED;
            dispatchLocked();
        }
    }

    void onCloseFrame(WorkerSession s, int code, String reason) {
        synchronized (lock) {
            lastCloseReceived = code;
            record(s, s.workerId, StudioEvent.Kind.CLOSE_RECEIVED, String.valueOf(code), reason);
            detachLocked(s);
        }
    }

    void onBinary(WorkerSession s, int size) {
        synchronized (lock) {
            record(s, s.workerId, StudioEvent.Kind.RECEIVED, "binary", size + " bytes");
            if (faults.isSilent() || s.closeSent()) {
                return;
            }
            protocolViolation(s, "binary frames are not allowed");
        }
    }

    void onText(WorkerSession s, String text) {
        synchronized (lock) {
            WorkerFrame frame;
            try {
                frame = WireJson.decodeWorkerFrame(text);
            } catch (ProtocolException e) {
                record(s, s.workerId, StudioEvent.Kind.RECEIVED, "invalid", abbreviate(text));
                if (!faults.isSilent() && !s.closeSent()) {
                    protocolViolation(s, e.getMessage());
                }
                return;
            }
            String type = typeOf(frame);
            record(s, s.workerId, StudioEvent.Kind.RECEIVED, type,
                    frame instanceof WorkerFrame.Hello ? "{\"type\":\"hello\",\"authToken\":\"<redacted>\"}" : abbreviate(text));
            if (faults.isSilent() || s.closeSent() || s.state == WorkerSession.State.CLOSED) {
                return;
            }
            if (s.state == WorkerSession.State.AWAITING_HELLO) {
                if (frame instanceof WorkerFrame.Hello hello) {
                    onHello(s, hello);
                } else {
                    protocolViolation(s, "expected hello as the first frame, got " + type);
                }
                return;
            }
            WorkerState w = workers.get(s.workerId);
            if (w == null) { // deleted meanwhile
                return;
            }
            switch (frame) {
                case WorkerFrame.Hello h -> protocolViolation(s, "hello sent twice");
                case WorkerFrame.Heartbeat hb -> {
                    w.capabilities = hb.capabilities();
                    w.currentJobId = hb.currentJobId();
                    w.heartbeats++;
                    s.send(new StudioFrame.HeartbeatAck());
                }
                case WorkerFrame.Accept a -> onAccept(s, w, a.jobId());
                case WorkerFrame.Reject r -> onReject(s, w, r.jobId(), r.reason());
                case WorkerFrame.CompleteJson c -> {
                    onOutcome(s, w, c.jobId(), "completeJson", j -> {
                        j.result = c.result();
                        j.prompt = c.prompt();
                    });
                    s.send(new StudioFrame.CompleteAck(c.jobId()));
                    dispatchLocked();
                }
                case WorkerFrame.Fail f -> {
                    onOutcome(s, w, f.jobId(), "fail", j -> {
                        j.error = f.error();
                        j.retryable = f.retryable();
                    });
                    s.send(new StudioFrame.FailAck(f.jobId()));
                    dispatchLocked();
                }
                case WorkerFrame.LogBatch batch -> {
                    for (LogEntry e : batch.entries()) {
                        logs.addLast(e);
                        if (logs.size() > options.historyCapacity()) {
                            logs.removeFirst();
                        }
                    }
                }
                case WorkerFrame.ReadyForMore r -> {
                    if (s.multipartSinceLastAnswer) {
                        violation(s + ": readyForMore after a multipart complete");
                        s.multipartSinceLastAnswer = false;
                    }
                    String out = s.outstandingJobId;
                    JobState j = out == null ? null : jobs.get(out);
                    if (j == null || j.status != JobStatus.OFFERED) {
                        s.outstandingJobId = null;
                        dispatchLocked();
                    }
                }
            }
        }
    }

    private void onHello(WorkerSession s, WorkerFrame.Hello hello) {
        WorkerState w = workers.get(s.workerId);
        if (w == null || !constantTimeEquals(w.authToken, hello.authToken())) {
            s.send(new StudioFrame.Error(ErrorCode.AUTH_FAILED, "authToken does not match worker " + s.workerId));
            s.closeWith(CloseCodes.AUTH_FAILED, "auth failed");
            return;
        }
        StudioFrame.Error instead = faults.takeErrorInsteadOfWelcome();
        if (instead != null) {
            s.send(instead);
            s.closeWith(instead.code().closeCode(), instead.message());
            return;
        }
        WorkerSession old = w.session;
        if (old != null && old != s) {
            LOG.info("{} replaces {}", s, old);
            old.send(new StudioFrame.Error(ErrorCode.DUPLICATE_WORKER, "a newer connection of " + s.workerId + " took over"));
            old.closeWith(CloseCodes.DUPLICATE_WORKER, "duplicate worker");
            detachLocked(old);
        }
        w.session = s;
        w.capabilities = hello.capabilities();
        s.state = WorkerSession.State.WELCOMED;
        for (String raw : faults.drainBeforeWelcome()) {
            s.sendRaw(raw);
        }
        s.send(new StudioFrame.Welcome(s.workerId, Instant.now().toString()));
        StudioFrame.Error after = faults.takeErrorAfterWelcome();
        if (after != null) {
            s.send(after);
            s.closeWith(after.code().closeCode(), after.message());
            detachLocked(s);
            return;
        }
        dispatchLocked();
    }

    private void onAccept(WorkerSession s, WorkerState w, String jobId) {
        s.multipartSinceLastAnswer = false;
        JobState j = jobs.get(jobId);
        if (j == null || j.status != JobStatus.OFFERED || !w.workerId.equals(j.workerId)) {
            violation(s + ": accept of job " + jobId + " that is not offered to it ("
                    + (j == null ? "unknown" : j.status) + ")");
            return;
        }
        j.status = JobStatus.ACCEPTED;
        j.acceptedAt = Instant.now();
        if (faults.takeDropAfterAccept()) {
            LOG.info("dropping {} after its accept of {} (fault)", s, jobId);
            s.drop();
        }
    }

    private void onReject(WorkerSession s, WorkerState w, String jobId, String reason) {
        s.multipartSinceLastAnswer = false;
        JobState j = jobs.get(jobId);
        if (j == null || j.status != JobStatus.OFFERED || !w.workerId.equals(j.workerId)) {
            violation(s + ": reject of job " + jobId + " that is not offered to it ("
                    + (j == null ? "unknown" : j.status) + ")");
            return;
        }
        j.rejections.add(reason);
        if (jobId.equals(s.outstandingJobId)) {
            s.outstandingJobId = null;
        }
        if (options.reofferRejected()) {
            j.status = JobStatus.QUEUED;
            j.workerId = null;
            s.channel.eventLoop().schedule(() -> {
                synchronized (lock) {
                    if (j.status == JobStatus.QUEUED && jobs.get(jobId) == j && !queue.contains(jobId)) {
                        queue.addLast(jobId);
                        dispatchLocked();
                    }
                }
            }, options.reofferDelay().toNanos(), TimeUnit.NANOSECONDS);
            // Other jobs may go to this worker meanwhile.
            dispatchLocked();
        } else {
            finishLocked(j, JobStatus.REJECTED);
            dispatchLocked();
        }
    }

    /** A complete or fail over the WebSocket. */
    private void onOutcome(WorkerSession s, WorkerState w, String jobId, String via, java.util.function.Consumer<JobState> fill) {
        JobState j = jobs.get(jobId);
        if (j == null || !w.workerId.equals(j.workerId) || j.status == JobStatus.QUEUED) {
            unexpected.add(new UnexpectedCompletion(Instant.now(), w.workerId, jobId, via));
            LOG.warn("{}: {} for job {} that was never offered to it", s, via, jobId);
            return;
        }
        boolean first = j.completions == 0 && j.fails == 0;
        if (via.equals("fail")) {
            j.fails++;
        } else {
            j.completions++;
        }
        if (first) {
            fill.accept(j);
            finishLocked(j, via.equals("fail") ? JobStatus.FAILED : JobStatus.COMPLETED);
        } else {
            violation("job " + jobId + " delivered again (" + via + ", " + (j.completions + j.fails) + " times)");
        }
        if (jobId.equals(s.outstandingJobId)) {
            s.outstandingJobId = null;
        }
    }

    private void finishLocked(JobState j, JobStatus status) {
        j.status = status;
        j.completedAt = Instant.now();
        JobRecord snapshot = j.snapshot();
        notify(() -> j.outcome.complete(snapshot));
    }

    /** The session leaves its worker: an offered, unanswered job goes back to the head of the queue. */
    private void detachLocked(WorkerSession s) {
        WorkerState w = workers.get(s.workerId);
        if (w != null && w.session == s) {
            w.session = null;
        }
        String out = s.outstandingJobId;
        s.outstandingJobId = null;
        if (out != null) {
            JobState j = jobs.get(out);
            if (j != null && j.status == JobStatus.OFFERED) {
                j.status = JobStatus.QUEUED;
                j.workerId = null;
                queue.addFirst(out);
            }
        }
        if (s.state == WorkerSession.State.WELCOMED) {
            s.state = WorkerSession.State.CLOSED;
        }
    }

    private void protocolViolation(WorkerSession s, String message) {
        LOG.warn("{}: protocol violation: {}", s, message);
        s.send(new StudioFrame.Error(ErrorCode.PROTOCOL_VIOLATION, message));
        s.closeWith(CloseCodes.PROTOCOL_VIOLATION, "protocol violation");
        detachLocked(s);
    }

    private void violation(String message) {
        LOG.warn("contract deviation: {}", message);
        violations.add(message);
    }

    /** Offers queued jobs to idle welcomed sessions. */
    void dispatchNow() {
        synchronized (lock) {
            dispatchLocked();
        }
    }

    private void dispatchLocked() {
        if (queue.isEmpty() || faults.isSilent() || closed.get()) {
            return;
        }
        for (WorkerState w : workers.values()) {
            WorkerSession s = w.session;
            if (s == null || s.state != WorkerSession.State.WELCOMED || s.closeSent() || s.outstandingJobId != null) {
                continue;
            }
            String jobId = queue.pollFirst();
            if (jobId == null) {
                return;
            }
            JobState j = jobs.get(jobId);
            if (j == null) {
                continue;
            }
            j.status = JobStatus.OFFERED;
            j.workerId = w.workerId;
            j.offerCount++;
            j.offeredAt = Instant.now();
            s.outstandingJobId = jobId;
            s.send(new StudioFrame.Offer(j.claim));
            if (queue.isEmpty()) {
                return;
            }
        }
    }

    /** The worker's welcomed session, else its newest live one. */
    WorkerSession liveSession(String workerId) {
        synchronized (lock) {
            WorkerState w = workers.get(workerId);
            if (w != null && w.session != null) {
                return w.session;
            }
            WorkerSession newest = null;
            for (WorkerSession s : sessions) {
                if (s.workerId.equals(workerId)) {
                    newest = s;
                }
            }
            return newest;
        }
    }

    // ---- recording ---------------------------------------------------------------------------------------------

    void recordSent(WorkerSession s, String type, String detail) {
        record(s, s.workerId, StudioEvent.Kind.SENT, type, abbreviate(detail));
    }

    void recordCloseSent(WorkerSession s, int code, String reason) {
        synchronized (lock) {
            lastCloseSent = code;
            record(s, s.workerId, StudioEvent.Kind.CLOSE_SENT, String.valueOf(code), reason);
        }
    }

    private void record(WorkerSession s, String workerId, StudioEvent.Kind kind, String type, String detail) {
        journal.add(s == null ? 0 : s.id, workerId, kind, type, detail);
        if (LOG.isDebugEnabled() && kind != StudioEvent.Kind.HTTP) {
            LOG.debug("{} {} {} {}", s == null ? "-" : s, kind, type, detail == null ? "" : detail);
        }
    }

    private void notify(Runnable r) {
        try {
            notifier.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            r.run();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    static String encode(StudioFrame frame) {
        try {
            return FRAME_WRITER.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + frame, e);
        }
    }

    static String typeOf(StudioFrame frame) {
        return switch (frame) {
            case StudioFrame.Welcome w -> "welcome";
            case StudioFrame.Offer o -> "offer";
            case StudioFrame.HeartbeatAck a -> "heartbeatAck";
            case StudioFrame.CompleteAck a -> "completeAck";
            case StudioFrame.FailAck a -> "failAck";
            case StudioFrame.Error e -> "error";
        };
    }

    static String typeOf(WorkerFrame frame) {
        return switch (frame) {
            case WorkerFrame.Hello h -> "hello";
            case WorkerFrame.Heartbeat h -> "heartbeat";
            case WorkerFrame.Accept a -> "accept";
            case WorkerFrame.Reject r -> "reject";
            case WorkerFrame.CompleteJson c -> "completeJson";
            case WorkerFrame.Fail f -> "fail";
            case WorkerFrame.LogBatch l -> "logBatch";
            case WorkerFrame.ReadyForMore r -> "readyForMore";
        };
    }

    /** The {@code type} of a raw frame, or {@code raw} when it has none (or is not JSON). */
    static String typeOfRaw(String text) {
        try {
            JsonNode node = WireJson.mapper().readTree(text);
            JsonNode type = node == null ? null : node.get("type");
            return type != null && type.isTextual() ? type.asText() : "raw";
        } catch (JsonProcessingException e) {
            return "raw";
        }
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "LocalStudio[" + baseUrl + "]";
    }
}
