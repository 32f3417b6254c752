package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.logging.LogRing;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiDaemonTest {
    private static final String AUTH = "tok-" + "a1b2c3d4".repeat(4);
    private static final String SECRET = "f".repeat(64);

    @TempDir
    Path dir;

    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir, SyntheticEngine.create(), c -> c.withWorkerId("w-123").withAuthToken(AUTH)
                .withInstallId(UUID.randomUUID()));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void configGetListsEveryKeyWithSecretsMasked() throws Exception {
        JsonNode config = json(fx.api.get("/daemon/config"));
        for (String key : WorkerConfig.keys()) {
            assertThat(config.has(key)).as(key).isTrue();
        }
        assertThat(config.path("auth_token").asText()).isEqualTo("<set>");
        assertThat(config.path("registration_secret").asText()).isEqualTo("<unset>");
        assertThat(config.path("worker_id").asText()).isEqualTo("w-123");
        assertThat(config.path("local_api_port").asText()).isEqualTo("0");
        assertThat(config.toString()).doesNotContain(AUTH);
    }

    @Test
    void configPutValidatesLikeTheFileAndPersists() throws Exception {
        HttpResponse<byte[]> ok = fx.api.put("/daemon/config", Map.of("vram_threshold_gb", 8.5,
                "auto_start", true, "models_root", "/tmp/models-x"));
        assertThat(ok.statusCode()).as(ApiClient.text(ok)).isEqualTo(200);
        JsonNode body = json(ok);
        assertThat(body.path("changed")).hasSize(3);
        assertThat(body.path("config").path("vram_threshold_gb").asText()).isEqualTo("8.5");
        WorkerConfig saved = new ConfigStore(fx.store.file()).load();
        assertThat(saved.vramThresholdGb()).isEqualTo(8.5);
        assertThat(saved.autoStart()).isTrue();
        assertThat(saved.modelsRoot()).isEqualTo("/tmp/models-x");
        assertThat(saved.authToken()).isEqualTo(AUTH);

        // Bad values: 400 naming key and value, and nothing saved (all or nothing).
        assertError(fx.api.put("/daemon/config", Map.of("auto_start", false, "vram_threshold_gb", -1)), 400,
                "bad_request", "vram_threshold_gb", "-1");
        assertError(fx.api.put("/daemon/config", Map.of("ws_reconnect_attempts", "many")), 400, "bad_request",
                "ws_reconnect_attempts", "many");
        assertError(fx.api.put("/daemon/config", Map.of("no_such_key", 1)), 400, "bad_request", "no_such_key");
        assertError(fx.api.put("/daemon/config", Map.of("engine", Map.of("a", 1))), 400, "bad_request", "engine");
        assertError(fx.api.put("/daemon/config", Map.of()), 400, "bad_request");
        assertThat(new ConfigStore(fx.store.file()).load().autoStart()).isTrue();
    }

    @Test
    void secretsCanBeSetButAreNeverReturned() throws Exception {
        String newToken = "new-token-" + "9".repeat(20);
        HttpResponse<byte[]> res = fx.api.put("/daemon/config", Map.of("auth_token", newToken,
                "registration_secret", SECRET));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        assertThat(ApiClient.text(res)).doesNotContain(newToken).doesNotContain(SECRET);
        assertThat(new ConfigStore(fx.store.file()).load().authToken()).isEqualTo(newToken);
        assertThat(ApiClient.text(fx.api.get("/daemon/config"))).doesNotContain(newToken).doesNotContain(SECRET);
        // A bad secret is refused without echoing it.
        HttpResponse<byte[]> bad = fx.api.put("/daemon/config", Map.of("registration_secret", "NOT-HEX-secret"));
        assertError(bad, 400, "bad_request", "registration_secret");
        assertThat(ApiClient.text(bad)).doesNotContain("NOT-HEX-secret");
        // Unset with null.
        Map<String, Object> unset = new HashMap<>();
        unset.put("registration_secret", null);
        assertThat(fx.api.put("/daemon/config", unset).statusCode()).isEqualTo(200);
        assertThat(new ConfigStore(fx.store.file()).load().registrationSecret()).isNull();
    }

    @Test
    void statusHasNoCredentials() throws Exception {
        HttpResponse<byte[]> res = fx.api.get("/daemon/status");
        assertThat(res.statusCode()).isEqualTo(200);
        String text = ApiClient.text(res);
        assertThat(text).doesNotContain(fx.server.token()).doesNotContain(AUTH);
        JsonNode s = json(res);
        assertThat(s.path("version").asText()).isNotBlank();
        assertThat(s.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(s.path("configFile").asText()).isEqualTo(fx.store.file().toString());
        assertThat(s.path("paused").asBoolean()).isFalse();
        assertThat(s.path("busy").asBoolean()).isFalse();
        assertThat(s.path("registration").path("phase").asText()).isEqualTo("approved");
        assertThat(s.path("registration").path("workerId").asText()).isEqualTo("w-123");
        assertThat(s.path("session").isNull()).isTrue(); // not running
        assertThat(s.path("currentJob").isNull()).isTrue();
        assertThat(s.path("recentJobs").isArray()).isTrue();
        assertThat(s.path("vramTotalGb").asDouble()).isEqualTo(24.0);
    }

    @Test
    void pauseAndResumeShowInStatus() throws Exception {
        assertThat(json(fx.api.post("/daemon/pause", "")).path("paused").asBoolean()).isTrue();
        assertThat(json(fx.api.get("/daemon/status")).path("paused").asBoolean()).isTrue();
        assertThat(json(fx.api.post("/daemon/resume", "")).path("paused").asBoolean()).isFalse();
        assertThat(json(fx.api.get("/daemon/status")).path("paused").asBoolean()).isFalse();
    }

    @Test
    void logsArePagedBySequenceNumber() throws Exception {
        // A ring of its own: the process-wide one also takes lines from threads that earlier test classes left
        // behind, and one of those landing between two pages would break the exact assertions below.
        LogRing ring = new LogRing(5_000, 64, 500);
        fx.close();
        fx = new ApiFixture(dir, SyntheticEngine.create(), c -> c.withWorkerId("w-123").withAuthToken(AUTH)
                .withInstallId(UUID.randomUUID()), b -> b.logs(ring));
        for (int i = 0; i < 700; i++) { // more than one page of 500
            ring.add(Instant.now(), "info", "LocalApiDaemonTest", "earlier line " + i, null);
        }
        ring.add(Instant.now(), "info", "LocalApiDaemonTest", "marker line one " + dir, null);
        JsonNode all = json(fx.api.get("/daemon/logs"));
        long last = all.path("lastSeq").asLong();
        assertThat(last).isPositive();
        long previous = 0;
        for (JsonNode line : all.path("lines")) {
            assertThat(line.path("seq").asLong()).isGreaterThan(previous);
            previous = line.path("seq").asLong();
        }
        // More than one page may be filled: page to its end.
        for (JsonNode more = json(fx.api.get("/daemon/logs?after=" + last)); !more.path("lines").isEmpty();
                more = json(fx.api.get("/daemon/logs?after=" + last))) {
            last = more.path("lastSeq").asLong();
        }
        ring.add(Instant.now(), "info", "LocalApiDaemonTest", "marker line two " + dir, null);
        JsonNode next = json(fx.api.get("/daemon/logs?after=" + last));
        assertThat(next.path("lines")).isNotEmpty();
        assertThat(next.path("lines").get(0).path("seq").asLong()).isGreaterThan(last);
        assertThat(next.toString()).contains("marker line two").doesNotContain("marker line one");
        assertThat(json(fx.api.get("/daemon/logs?after=" + next.path("lastSeq").asLong())).path("lines")).isEmpty();
        assertError(fx.api.get("/daemon/logs?after=-3"), 400, "bad_request", "'after'", "-3");
        assertError(fx.api.get("/daemon/logs?after=abc"), 400, "bad_request", "'after'", "abc");
        assertThat(json(fx.api.get("/daemon/logs?limit=1")).path("lines")).hasSize(1);
    }

    @Test
    void registrationResetClearsLikeRegisterReset() throws Exception {
        WorkerConfig before = fx.store.load();
        JsonNode res = json(fx.api.post("/daemon/registration/reset", ""));
        assertThat(res.path("cleared").toString()).contains("worker_id").contains("auth_token");
        WorkerConfig after = new ConfigStore(fx.store.file()).load();
        assertThat(after.workerId()).isNull();
        assertThat(after.authToken()).isNull();
        assertThat(after.installId()).isEqualTo(before.installId());
        assertThat(json(fx.api.get("/daemon/status")).path("registration").path("phase").asText())
                .isEqualTo("pristine");
        assertThat(Files.readString(fx.store.file())).doesNotContain(AUTH);
    }
}
