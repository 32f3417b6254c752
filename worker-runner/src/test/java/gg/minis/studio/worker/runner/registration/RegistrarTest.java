package gg.minis.studio.worker.runner.registration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.testing.RefusedPort;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RegistrarTest {
    @RegisterExtension
    static WireMockExtension wm = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String REGISTER = "/graphics/api/workers/register-request";
    private static final String POLL = "/graphics/api/workers/register-requests/req-1";
    private static final WorkerCapabilities CAPS = new WorkerCapabilities("box", "me", "1.2.3", "synthetic", 24, 12,
            true, false, List.of("synthetic"), List.of(TaskKind.IMAGE, TaskKind.LLM),
            Map.of(TaskKind.IMAGE, List.of("synthetic")));
    private static final String INSTALL = UUID.randomUUID().toString();
    private static final String SECRET = "ab".repeat(32);
    private static final RegistrationState PENDING = new RegistrationState(INSTALL, SECRET, "req-1", null, null, null);

    private RegistrationStore store;

    private Registrar registrar(RegistrationState initial) {
        store = RegistrationStore.inMemory(initial);
        return new Registrar(HTTP, StudioEndpoints.parse(wm.baseUrl() + "/"), store, () -> CAPS,
                "studio-worker-java/9.9.9");
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- register-request ----

    @Test
    void aPristineWorkerSendsARegisterRequestAndGoesPending() throws Exception {
        wm.stubFor(post(REGISTER).willReturn(okJson("{\"requestId\":\"req-1\",\"status\":\"pending\",\"extra\":1}")));
        RegistrationState state = registrar(RegistrationState.EMPTY).tick();

        assertThat(state.phase()).isEqualTo(RegistrationState.Phase.PENDING);
        assertThat(state.requestId()).isEqualTo("req-1");
        assertThat(store.load()).isEqualTo(state);
        assertThat(UUID.fromString(state.installId()).version()).isEqualTo(4);
        assertThat(state.registrationSecret()).matches("[0-9a-f]{64}");

        List<LoggedRequest> requests = wm.findAll(postRequestedFor(urlEqualTo(REGISTER)));
        assertThat(requests).hasSize(1);
        LoggedRequest req = requests.getFirst();
        assertThat(req.getHeader("Content-Type")).startsWith("application/json");
        assertThat(req.getHeader("Authorization")).isNull();
        JsonNode body = WireJson.mapper().readTree(req.getBodyAsString());
        assertThat(body.path("installId").asText()).isEqualTo(state.installId());
        assertThat(body.path("registrationSecretHash").asText()).isEqualTo(sha256(state.registrationSecret()));
        assertThat(req.getBodyAsString()).doesNotContain(state.registrationSecret());
        assertThat(body.path("userAgent").asText()).isEqualTo("studio-worker-java/9.9.9");
        assertThat(WireJson.mapper().treeToValue(body.path("capabilities"), WorkerCapabilities.class)).isEqualTo(CAPS);
        assertThat(body.path("capabilities").path("supportedModelsPerKind").has("image")).isTrue();
    }

    @Test
    void aFailedRegisterRequestStaysPristineAndReusesTheSameIdentityNextTick() throws Exception {
        wm.stubFor(post(REGISTER).willReturn(aResponse().withStatus(503).withBody("down")));
        Registrar registrar = registrar(RegistrationState.EMPTY);
        RegistrationState first = registrar.tick();
        assertThat(first.phase()).isEqualTo(RegistrationState.Phase.PRISTINE);
        assertThat(first.installId()).isNotNull();
        assertThat(store.load().installId()).isEqualTo(first.installId());

        wm.stubFor(post(REGISTER).willReturn(okJson("{\"requestId\":\"req-1\",\"status\":\"pending\"}")));
        RegistrationState second = registrar.tick();
        assertThat(second.phase()).isEqualTo(RegistrationState.Phase.PENDING);
        assertThat(second.installId()).isEqualTo(first.installId());
        assertThat(second.registrationSecret()).isEqualTo(first.registrationSecret());
        List<LoggedRequest> requests = wm.findAll(postRequestedFor(urlEqualTo(REGISTER)));
        assertThat(requests).hasSize(2);
        assertThat(requests).extracting(LoggedRequest::getBodyAsString).containsOnly(requests.getFirst().getBodyAsString());
    }

    @Test
    void aGarbledRegisterAnswerStaysPristine() throws Exception {
        wm.stubFor(post(REGISTER).willReturn(okJson("{\"status\":\"pending\"}")));
        assertThat(registrar(RegistrationState.EMPTY).tick().phase()).isEqualTo(RegistrationState.Phase.PRISTINE);
    }

    @Test
    void anUnreachableStudioStaysPristine() throws Exception {
        try (RefusedPort refused = new RefusedPort()) {
            store = RegistrationStore.inMemory(RegistrationState.EMPTY);
            var registrar = new Registrar(HTTP, StudioEndpoints.parse(refused.url("")), store, () -> CAPS, "ua");
            assertThat(registrar.tick().phase()).isEqualTo(RegistrationState.Phase.PRISTINE);
        }
    }

    // ---- poll ----

    @Test
    void pendingStaysPendingAndPollsWithTheRawSecret() throws Exception {
        wm.stubFor(get(POLL).willReturn(okJson("{\"status\":\"pending\"}")));
        RegistrationState state = registrar(PENDING).tick();
        assertThat(state).isEqualTo(PENDING);
        assertThat(store.load()).isEqualTo(PENDING);
        LoggedRequest req = wm.findAll(getRequestedFor(urlEqualTo(POLL))).getFirst();
        assertThat(req.getHeader("Authorization")).isEqualTo("Bearer " + SECRET);
        assertThat(wm.findAll(postRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void approvedIsPersistedAndClearsTheSecretAndRequestId() throws Exception {
        wm.stubFor(get(POLL).willReturn(okJson(
                "{\"status\":\"approved\",\"workerId\":\"w-42\",\"authToken\":\"tok-42\"}")));
        RegistrationState state = registrar(PENDING).tick();
        assertThat(state.phase()).isEqualTo(RegistrationState.Phase.APPROVED);
        assertThat(state.workerId()).isEqualTo("w-42");
        assertThat(state.authToken()).isEqualTo("tok-42");
        assertThat(state.registrationSecret()).isNull();
        assertThat(state.requestId()).isNull();
        assertThat(state.installId()).isEqualTo(INSTALL);
        assertThat(store.load()).isEqualTo(state);
    }

    @Test
    void rejectedWithAReasonIsPersistedAndClearsTheSecret() throws Exception {
        wm.stubFor(get(POLL).willReturn(okJson("{\"status\":\"rejected\",\"reason\":\"unknown machine\"}")));
        RegistrationState state = registrar(PENDING).tick();
        assertThat(state.phase()).isEqualTo(RegistrationState.Phase.REJECTED);
        assertThat(state.rejectedReason()).isEqualTo("unknown machine");
        assertThat(state.registrationSecret()).isNull();
        assertThat(state.requestId()).isNull();
        assertThat(store.load()).isEqualTo(state);
    }

    @Test
    void rejectedWithoutAReasonIsStillRejected() throws Exception {
        wm.stubFor(get(POLL).willReturn(okJson("{\"status\":\"rejected\"}")));
        RegistrationState state = registrar(PENDING).tick();
        assertThat(state.phase()).isEqualTo(RegistrationState.Phase.REJECTED);
        assertThat(state.rejectedReason()).isEqualTo(RegistrationState.NO_REASON);
        assertThat(state.registrationSecret()).isNull();
        assertThat(store.load().phase()).isEqualTo(RegistrationState.Phase.REJECTED);
    }

    @Test
    void a404GoesBackToPristineAndTheNextTickSendsAFreshRequest() throws Exception {
        wm.stubFor(get(POLL).willReturn(aResponse().withStatus(404).withBody("{\"error\":\"unknown\"}")));
        Registrar registrar = registrar(PENDING);
        RegistrationState state = registrar.tick();
        assertThat(state.phase()).isEqualTo(RegistrationState.Phase.PRISTINE);
        assertThat(state.requestId()).isNull();
        assertThat(state.registrationSecret()).isNull();
        assertThat(state.installId()).isEqualTo(INSTALL);
        assertThat(store.load()).isEqualTo(state);

        wm.stubFor(post(REGISTER).willReturn(okJson("{\"requestId\":\"req-2\",\"status\":\"pending\"}")));
        RegistrationState again = registrar.tick();
        assertThat(again.requestId()).isEqualTo("req-2");
        assertThat(again.installId()).isEqualTo(INSTALL);
        assertThat(again.registrationSecret()).isNotNull().isNotEqualTo(SECRET);
    }

    @Test
    void a5xxOrGarbledPollStaysPending() throws Exception {
        wm.stubFor(get(POLL).willReturn(aResponse().withStatus(502).withBody("bad gateway")));
        Registrar registrar = registrar(PENDING);
        assertThat(registrar.tick()).isEqualTo(PENDING);
        wm.stubFor(get(POLL).willReturn(okJson("{\"status\":\"approved\"}")));
        assertThat(registrar.tick()).isEqualTo(PENDING);
        wm.stubFor(get(POLL).willReturn(aResponse().withStatus(401).withBody("bad secret")));
        assertThat(registrar.tick()).isEqualTo(PENDING);
        assertThat(store.load()).isEqualTo(PENDING);
    }

    @Test
    void approvedAndRejectedMakeNoRequest() throws Exception {
        var approved = new RegistrationState(INSTALL, null, null, "w-1", "tok", null);
        assertThat(registrar(approved).tick()).isEqualTo(approved);
        var rejected = new RegistrationState(INSTALL, null, null, null, null, "no");
        assertThat(registrar(rejected).tick()).isEqualTo(rejected);
        assertThat(wm.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }
}
