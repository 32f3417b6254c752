package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.runner.Sha256;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.protocol.WorkerFrame;
import gg.minis.studio.worker.api.registration.RegisterRequest;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalStudioRegistrationTest {
    private LocalStudio studio;

    @AfterEach
    void stop() {
        if (studio != null) {
            studio.close();
        }
    }

    private URI registerUri() {
        return URI.create(studio.apiUrl() + "/workers/register-request");
    }

    private URI pollUri(String requestId) {
        return URI.create(studio.apiUrl() + "/workers/register-requests/" + requestId);
    }

    private static String body(String installId, String secret) {
        return WireJson.encode(new RegisterRequest(installId, Sha256.hex(secret), RawWorker.CAPS,
                "studio-worker-java/test"));
    }

    private String submit(String installId, String secret) throws Exception {
        HttpResponse<String> res = RawWorker.post(registerUri(), body(installId, secret));
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode json = WireJson.mapper().readTree(res.body());
        assertThat(json.get("status").asText()).isEqualTo("pending");
        return json.get("requestId").asText();
    }

    private JsonNode poll(String requestId, String secret, int expectedStatus) throws Exception {
        HttpResponse<String> res = RawWorker.get(pollUri(requestId), secret);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(expectedStatus);
        return WireJson.mapper().readTree(res.body());
    }

    @Test
    void autoApproveOnFirstPollGivesCredentialsThatOpenASession() throws Exception {
        studio = LocalStudio.start();
        String secret = "ab".repeat(32);
        String requestId = submit(UUID.randomUUID().toString(), secret);

        JsonNode approved = poll(requestId, secret, 200);
        assertThat(approved.get("status").asText()).isEqualTo("approved");
        String workerId = approved.get("workerId").asText();
        String token = approved.get("authToken").asText();
        assertThat(workerId).isNotBlank();
        assertThat(token).hasSize(64);
        assertThat(poll(requestId, secret, 200).get("authToken").asText()).isEqualTo(token);
        assertThat(studio.registrationRequest(requestId).orElseThrow().state())
                .isEqualTo(RegistrationRecord.State.APPROVED);

        try (RawWorker w = RawWorker.connect(studio, workerId, token)) {
            w.send(new WorkerFrame.Hello(token, RawWorker.CAPS));
            assertThat(w.next(StudioFrame.Welcome.class).workerId()).isEqualTo(workerId);
        }
    }

    @Test
    void resubmissionWithTheSameInstallIdReturnsTheSameRequest() throws Exception {
        studio = LocalStudio.start(LocalStudio.Options.builder()
                .registrationMode(LocalStudio.RegistrationMode.MANUAL).build());
        String installId = UUID.randomUUID().toString();
        String first = submit(installId, "11".repeat(32));
        String again = submit(installId, "22".repeat(32));
        String other = submit(UUID.randomUUID().toString(), "33".repeat(32));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(studio.registrationRequest(first).orElseThrow().submitCount()).isEqualTo(2);
        // The latest secret counts.
        poll(first, "11".repeat(32), 401);
        assertThat(poll(first, "22".repeat(32), 200).get("status").asText()).isEqualTo("pending");
    }

    @Test
    void invalidBodiesAreRejectedNamingTheField() throws Exception {
        studio = LocalStudio.start();
        String noInstall = "{\"registrationSecretHash\":\"" + "a".repeat(64)
                + "\",\"capabilities\":{},\"userAgent\":\"x\"}";
        HttpResponse<String> res = RawWorker.post(registerUri(), noInstall);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(WireJson.mapper().readTree(res.body()).get("field").asText()).isEqualTo("installId");
        assertThat(res.body()).contains("installId");

        String badHash = "{\"installId\":\"" + UUID.randomUUID() + "\",\"registrationSecretHash\":\"XYZ\","
                + "\"capabilities\":{},\"userAgent\":\"x\"}";
        res = RawWorker.post(registerUri(), badHash);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(WireJson.mapper().readTree(res.body()).get("field").asText()).isEqualTo("registrationSecretHash");

        String badUuid = "{\"installId\":\"not-a-uuid\",\"registrationSecretHash\":\"" + "a".repeat(64)
                + "\",\"capabilities\":{},\"userAgent\":\"x\"}";
        res = RawWorker.post(registerUri(), badUuid);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).contains("installId");

        res = RawWorker.post(registerUri(), "not json");
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.body()).contains("not JSON");
        assertThat(studio.registrationRequests()).isEmpty();
    }

    @Test
    void pollingChecksTheSecretAndUnknownRequestsAre404() throws Exception {
        studio = LocalStudio.start();
        String secret = "cd".repeat(32);
        String requestId = submit(UUID.randomUUID().toString(), secret);

        poll(requestId, "ef".repeat(32), 401);
        poll(requestId, null, 401);
        poll(requestId, Sha256.hex(secret), 401); // the hash is not the secret
        poll("req-unknown", secret, 404);
        assertThat(studio.registrationRequest(requestId).orElseThrow().state())
                .isEqualTo(RegistrationRecord.State.PENDING);
    }

    @Test
    void manualModeApprovesRejectsAndForgets() throws Exception {
        studio = LocalStudio.start(LocalStudio.Options.builder()
                .registrationMode(LocalStudio.RegistrationMode.MANUAL).build());
        String secret = "01".repeat(32);
        String installId = UUID.randomUUID().toString();
        String a = submit(installId, secret);
        assertThat(poll(a, secret, 200).get("status").asText()).isEqualTo("pending");
        assertThat(poll(a, secret, 200).get("status").asText()).isEqualTo("pending");

        LocalStudio.Credentials creds = studio.approve(a);
        JsonNode approved = poll(a, secret, 200);
        assertThat(approved.get("status").asText()).isEqualTo("approved");
        assertThat(approved.get("workerId").asText()).isEqualTo(creds.workerId());
        assertThat(approved.get("authToken").asText()).isEqualTo(creds.authToken());
        assertThat(studio.registrationRequest(a).orElseThrow().pollCount()).isEqualTo(3);

        String b = submit(UUID.randomUUID().toString(), secret);
        studio.reject(b, "not on the guest list");
        JsonNode rejected = poll(b, secret, 200);
        assertThat(rejected.get("status").asText()).isEqualTo("rejected");
        assertThat(rejected.get("reason").asText()).isEqualTo("not on the guest list");

        String c = submit(UUID.randomUUID().toString(), secret);
        studio.reject(c, null);
        assertThat(poll(c, secret, 200).has("reason")).isFalse();

        String d = submit(UUID.randomUUID().toString(), secret);
        studio.forget(d);
        poll(d, secret, 404);
    }

    @Test
    void afterARejectionTheSameInstallStartsANewRequest() throws Exception {
        studio = LocalStudio.start(LocalStudio.Options.builder()
                .registrationMode(LocalStudio.RegistrationMode.MANUAL).build());
        String installId = UUID.randomUUID().toString();
        String first = submit(installId, "aa".repeat(32));
        studio.reject(first, "no");
        String second = submit(installId, "bb".repeat(32));
        assertThat(second).isNotEqualTo(first);
        assertThat(poll(second, "bb".repeat(32), 200).get("status").asText()).isEqualTo("pending");
    }

    @Test
    void wrongMethodsAndUnknownRoutes() throws Exception {
        studio = LocalStudio.start();
        assertThat(RawWorker.get(registerUri(), null).statusCode()).isEqualTo(405);
        assertThat(RawWorker.get(URI.create(studio.apiUrl() + "/nothing"), null).statusCode()).isEqualTo(404);
        assertThat(RawWorker.get(studio.baseUrl(), null).statusCode()).isEqualTo(404);
    }
}
