package gg.minis.studio.worker.runner.localstudio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.registration.RegisterRequest;
import gg.minis.studio.worker.api.registration.RegisterResponse;
import gg.minis.studio.worker.api.registration.RegistrationStatus;
import gg.minis.studio.worker.runner.Sha256;
import gg.minis.studio.worker.runner.localstudio.LocalStudio.Credentials;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The studio side of registration (protocol section 1): register requests, one per install while pending, polls
 * checked against the secret's hash, approval (on the first poll in AUTO_APPROVE mode, else by the operator) issuing
 * the worker's credentials through the {@link LocalStudio}, rejection and forgetting. Guarded by the studio's lock,
 * so approving and issuing credentials are one step.
 */
final class RegistrationDesk {
    private static final Logger LOG = LoggerFactory.getLogger(LocalStudio.class);
    private static final ObjectWriter STATUS_WRITER = WireJson.mapper().writerFor(RegistrationStatus.class);
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern FIELD_IN_MESSAGE = Pattern.compile("field '([^']+)'");

    private static final class Request {
        final String requestId;
        final String installId;
        final Instant createdAt = Instant.now();
        String secretHash;
        WorkerCapabilities capabilities;
        String userAgent;
        RegistrationRecord.State state = RegistrationRecord.State.PENDING;
        String workerId;
        String reason;
        int submits = 1;
        int polls;

        Request(String requestId, String installId) {
            this.requestId = requestId;
            this.installId = installId;
        }

        void update(RegisterRequest req) {
            secretHash = req.registrationSecretHash();
            capabilities = req.capabilities();
            userAgent = req.userAgent();
        }

        RegistrationRecord toRecord() {
            return new RegistrationRecord(requestId, installId, state, capabilities, userAgent, workerId, reason,
                    submits, polls, createdAt);
        }
    }

    private final Object lock;
    private final LocalStudio studio;
    private final boolean autoApprove;
    private final Map<String, Request> requests = new LinkedHashMap<>();

    RegistrationDesk(Object lock, LocalStudio studio, boolean autoApprove) {
        this.lock = lock;
        this.studio = studio;
        this.autoApprove = autoApprove;
    }

    // ---- HTTP (event loop) -------------------------------------------------------------------------------------

    /** {@code POST /workers/register-request}. */
    HttpRouter.Reply register(String body) {
        RegisterRequest req;
        try {
            req = WireJson.decode(body, RegisterRequest.class, "register request");
        } catch (ProtocolException e) {
            Matcher m = FIELD_IN_MESSAGE.matcher(e.getMessage());
            return HttpRouter.Reply.error(400, e.getMessage(), m.find() ? m.group(1) : null);
        }
        if (!HEX64.matcher(req.registrationSecretHash()).matches()) {
            return HttpRouter.Reply.error(400,
                    "invalid register request: field 'registrationSecretHash' must be 64 lowercase hex characters",
                    "registrationSecretHash");
        }
        try {
            UUID.fromString(req.installId());
        } catch (IllegalArgumentException e) {
            return HttpRouter.Reply.error(400, "invalid register request: field 'installId' is not a UUID",
                    "installId");
        }
        synchronized (lock) {
            for (Request r : requests.values()) {
                if (r.installId.equals(req.installId()) && r.state == RegistrationRecord.State.PENDING) {
                    r.update(req);
                    r.submits++;
                    return HttpRouter.Reply.json(200, new RegisterResponse(r.requestId, "pending"));
                }
            }
            Request r = new Request("req-" + UUID.randomUUID(), req.installId());
            r.update(req);
            requests.put(r.requestId, r);
            LOG.info("register request {} from install {} ({})", r.requestId, r.installId, r.userAgent);
            return HttpRouter.Reply.json(200, new RegisterResponse(r.requestId, "pending"));
        }
    }

    /** {@code GET /workers/register-request/{id}} with the registration secret as bearer. */
    HttpRouter.Reply poll(String requestId, String secret) {
        synchronized (lock) {
            Request r = requests.get(requestId);
            if (r == null) {
                return HttpRouter.Reply.error(404, "unknown register request");
            }
            if (secret == null || !LocalStudio.constantTimeEquals(Sha256.hex(secret), r.secretHash)) {
                return HttpRouter.Reply.error(401, "bad registration secret");
            }
            r.polls++;
            if (r.state == RegistrationRecord.State.PENDING && autoApprove) {
                approveLocked(r);
            }
            RegistrationStatus status = switch (r.state) {
                case PENDING -> new RegistrationStatus.Pending();
                case APPROVED -> studio.credentialsLocked(r.workerId)
                        .<RegistrationStatus>map(c -> new RegistrationStatus.Approved(c.workerId(), c.authToken()))
                        .orElseGet(() -> new RegistrationStatus.Rejected("worker was deleted"));
                case REJECTED -> new RegistrationStatus.Rejected(r.reason);
            };
            return new HttpRouter.Reply(200, encode(status).getBytes(StandardCharsets.UTF_8));
        }
    }

    // ---- the operator ------------------------------------------------------------------------------------------

    Credentials approve(String requestId) {
        synchronized (lock) {
            Request r = require(requestId);
            if (r.state == RegistrationRecord.State.REJECTED) {
                throw new IllegalStateException("register request " + requestId + " was rejected");
            }
            approveLocked(r);
            return studio.credentialsLocked(r.workerId).orElseThrow(() -> new IllegalStateException(
                    "register request " + requestId + " was approved as " + r.workerId + ", since deleted"));
        }
    }

    void reject(String requestId, String reason) {
        synchronized (lock) {
            Request r = require(requestId);
            if (r.state == RegistrationRecord.State.APPROVED) {
                throw new IllegalStateException("register request " + requestId + " was approved");
            }
            r.state = RegistrationRecord.State.REJECTED;
            r.reason = reason;
        }
    }

    void forget(String requestId) {
        synchronized (lock) {
            requests.remove(requestId);
        }
    }

    List<RegistrationRecord> requests() {
        synchronized (lock) {
            return requests.values().stream().map(Request::toRecord).toList();
        }
    }

    Optional<RegistrationRecord> request(String requestId) {
        synchronized (lock) {
            return Optional.ofNullable(requests.get(requestId)).map(Request::toRecord);
        }
    }

    Optional<Credentials> credentialsFor(String requestId) {
        synchronized (lock) {
            Request r = requests.get(requestId);
            return r == null ? Optional.empty() : studio.credentialsLocked(r.workerId);
        }
    }

    private Request require(String requestId) {
        Request r = requests.get(requestId);
        if (r == null) {
            throw new IllegalArgumentException("unknown register request " + requestId);
        }
        return r;
    }

    private void approveLocked(Request r) {
        if (r.state == RegistrationRecord.State.APPROVED) {
            return;
        }
        Credentials c = studio.issueCredentialsLocked();
        r.state = RegistrationRecord.State.APPROVED;
        r.workerId = c.workerId();
        LOG.info("register request {} approved as {}", r.requestId, c.workerId());
    }

    private static String encode(RegistrationStatus status) {
        try {
            return STATUS_WRITER.writeValueAsString(status);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + status, e);
        }
    }
}
