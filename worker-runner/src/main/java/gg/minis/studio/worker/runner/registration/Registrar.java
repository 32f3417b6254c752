package gg.minis.studio.worker.runner.registration;

import gg.minis.studio.worker.runner.Sha256;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.ProtocolException;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.registration.RegisterRequest;
import gg.minis.studio.worker.api.registration.RegisterResponse;
import gg.minis.studio.worker.api.registration.RegistrationStatus;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registration state machine: Pristine -> Pending -> Approved, or Rejected. Each {@link #tick()} makes at most
 * one HTTP call and persists the state after every transition; the caller decides how often to tick (30 s).
 */
public final class Registrar {
    public static final Duration POLL_INTERVAL = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(Registrar.class);
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final StudioEndpoints endpoints;
    private final RegistrationStore store;
    private final Supplier<WorkerCapabilities> capabilities;
    private final String userAgent;
    private final SecureRandom random = new SecureRandom();

    public Registrar(HttpClient http, StudioEndpoints endpoints, RegistrationStore store,
            Supplier<WorkerCapabilities> capabilities, String userAgent) {
        this.http = http;
        this.endpoints = endpoints;
        this.store = store;
        this.capabilities = capabilities;
        this.userAgent = userAgent;
    }

    public RegistrationState state() throws IOException {
        return store.load();
    }

    /** Advances the state machine by at most one request and returns the (persisted) state. */
    public RegistrationState tick() throws IOException, InterruptedException {
        RegistrationState state = store.load();
        return switch (state.phase()) {
            case APPROVED, REJECTED -> state;
            case PRISTINE -> submit(ensureIdentity(state));
            case PENDING -> poll(state);
        };
    }

    /** Creates the install id (once per install) and a fresh registration secret when missing. */
    private RegistrationState ensureIdentity(RegistrationState state) throws IOException {
        if (state.installId() != null && state.registrationSecret() != null) {
            return state;
        }
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        RegistrationState next = state.withIdentity(
                state.installId() != null ? state.installId() : UUID.randomUUID().toString(),
                state.registrationSecret() != null ? state.registrationSecret() : HexFormat.of().formatHex(secret));
        store.save(next);
        return next;
    }

    private RegistrationState submit(RegistrationState state) throws IOException, InterruptedException {
        var body = new RegisterRequest(state.installId(), Sha256.hex(state.registrationSecret()), capabilities.get(),
                userAgent);
        HttpRequest request = HttpRequest.newBuilder(endpoints.registerRequest())
                .timeout(HTTP_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofByteArray(WireJson.encodeBytes(body)))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            log.warn("registration request to {} failed: {}; retrying later", endpoints.registerRequest(), e.toString());
            return state;
        }
        if (response.statusCode() / 100 != 2) {
            log.warn("registration request answered HTTP {}: {}; retrying later", response.statusCode(),
                    abbreviate(response.body()));
            return state;
        }
        try {
            RegisterResponse answer = WireJson.decode(response.body(), RegisterResponse.class, "register response");
            RegistrationState next = state.pending(answer.requestId());
            store.save(next);
            log.info("registration requested: waiting for the operator to approve request {} on the studio dashboard",
                    answer.requestId());
            return next;
        } catch (ProtocolException e) {
            log.warn("{}; retrying later", e.getMessage());
            return state;
        }
    }

    private RegistrationState poll(RegistrationState state) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoints.registerPoll(state.requestId()))
                .timeout(HTTP_TIMEOUT)
                .header("Authorization", "Bearer " + state.registrationSecret())
                .header("User-Agent", userAgent)
                .GET()
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            log.warn("polling registration request {} failed: {}; retrying later", state.requestId(), e.toString());
            return state;
        }
        if (response.statusCode() == 404) {
            log.warn("the studio no longer knows registration request {}; sending a new request", state.requestId());
            RegistrationState next = state.forgotten();
            store.save(next);
            return next;
        }
        if (response.statusCode() / 100 != 2) {
            log.warn("polling registration request {} answered HTTP {}: {}; retrying later", state.requestId(),
                    response.statusCode(), abbreviate(response.body()));
            return state;
        }
        RegistrationStatus status;
        try {
            status = WireJson.decode(response.body(), RegistrationStatus.class, "registration status");
        } catch (ProtocolException e) {
            log.warn("{}; retrying later", e.getMessage());
            return state;
        }
        RegistrationState next = switch (status) {
            case RegistrationStatus.Pending p -> state;
            case RegistrationStatus.Approved a -> state.approved(a.workerId(), a.authToken());
            case RegistrationStatus.Rejected r -> state.rejected(r.reason());
        };
        if (next != state) {
            store.save(next);
            switch (next.phase()) {
                case APPROVED -> log.info("registration approved: this worker is {}", next.workerId());
                case REJECTED -> log.warn("registration rejected{}; run 'runner register --reset' to start over",
                        ": " + next.rejectedReason());
                default -> { }
            }
        }
        return next;
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }
}
