package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiSecurityTest {
    @TempDir
    Path dir;

    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new ApiFixture(dir, SyntheticEngine.create());
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void healthzNeedsNoToken() throws Exception {
        HttpResponse<byte[]> res = fx.api.withToken(null).get("/healthz");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.path("ok").asBoolean()).isTrue();
        assertThat(body.path("version").asText()).isNotBlank();
        assertThat(body.path("busy").asBoolean()).isFalse();
        assertThat(body.path("engine").asText()).isEqualTo("synthetic");
        assertThat(body.path("modelsRoot").asText()).isNotBlank();
        assertThat(body.path("modelsRootFreeBytes").asLong()).isPositive();
    }

    @Test
    void everyOtherRouteNeedsTheToken() throws Exception {
        for (String path : new String[] {"/daemon/status", "/models", "/jobs", "/daemon/config", "/nope"}) {
            HttpResponse<byte[]> missing = fx.api.withToken(null).get(path);
            assertError(missing, 401, "unauthorized");
            assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertError(fx.api.withToken("0".repeat(64)).get(path), 401, "unauthorized");
        }
        assertError(fx.api.withToken(null).post("/image", Map.of("prompt", "x")), 401, "unauthorized");
        assertError(fx.api.withToken(fx.server.token() + "x").get("/daemon/status"), 401, "unauthorized");
        assertThat(fx.api.get("/daemon/status").statusCode()).isEqualTo(200);
    }

    @Test
    void remoteHostIsForbiddenEvenWithTheToken() throws Exception {
        String res = fx.api.raw("GET", "/daemon/status", "evil.example", "");
        assertThat(res).startsWith("HTTP/1.1 403").contains("\"error\":\"forbidden_origin\"").contains("evil.example");
        // DNS rebinding: the attacker's name resolves to 127.0.0.1, but the Host still says theirs.
        assertThat(fx.api.raw("GET", "/healthz", "evil.example:" + fx.server.port(), "")).startsWith("HTTP/1.1 403");
        assertThat(fx.api.raw("GET", "/healthz", "127.0.0.1.evil.example", "")).startsWith("HTTP/1.1 403");
        // Loopback names pass, with or without a port.
        for (String host : new String[] {"127.0.0.1:" + fx.server.port(), "localhost", "localhost:1", "[::1]:80",
            "[::1]", "LOCALHOST"}) {
            assertThat(fx.api.raw("GET", "/daemon/status", host, "")).as(host).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void remoteOriginIsForbidden() throws Exception {
        for (String origin : new String[] {"https://evil.example", "http://127.0.0.1.evil.example", "null"}) {
            HttpResponse<byte[]> res = fx.api.send(fx.api.request("/daemon/status").header("Origin", origin).GET()
                    .build());
            assertError(res, 403, "forbidden_origin");
        }
        assertError(fx.api.send(fx.api.request("/healthz").header("Origin", "https://evil.example").GET().build()),
                403, "forbidden_origin");
        HttpResponse<byte[]> local = fx.api.send(fx.api.request("/daemon/status")
                .header("Origin", "http://localhost:5173").GET().build());
        assertThat(local.statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        byte[] big = new byte[LocalApiServer.MAX_BODY_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        HttpResponse<byte[]> res = fx.api.send(fx.api.request("/image").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build());
        assertError(res, 413, "payload_too_large");
        // The connection (or a new one) still serves.
        assertThat(fx.api.get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() throws Exception {
        assertError(fx.api.get("/nope"), 404, "not_found");
        assertError(fx.api.get("/jobs/x/y/z"), 404, "not_found");
        HttpResponse<byte[]> wrong = fx.api.get("/image");
        assertError(wrong, 405, "method_not_allowed");
        assertThat(wrong.headers().firstValue("Allow")).hasValue("POST");
        assertError(fx.api.post("/daemon/status", "{}"), 405, "method_not_allowed");
        HttpResponse<byte[]> config = fx.api.send(fx.api.request("/daemon/config").DELETE().build());
        assertError(config, 405, "method_not_allowed");
        assertThat(config.headers().firstValue("Allow")).hasValue("GET, PUT");
    }

    @Test
    void badJsonIs400() throws Exception {
        assertError(fx.api.post("/image", "{not json"), 400, "bad_request");
        assertError(fx.api.post("/image", "[1,2]"), 400, "bad_request");
        assertError(fx.api.post("/image", ""), 400, "bad_request");
    }

    @Test
    void discoveryFileIsOwnerOnlyAndNamesTheBoundUrl() throws Exception {
        Path file = dir.resolve("local-api.json");
        assertThat(fx.server.discoveryFile()).isEqualTo(file);
        DiscoveryFile.Contents c = DiscoveryFile.read(file);
        assertThat(c.url()).isEqualTo(fx.server.url().toString()).startsWith("http://127.0.0.1:");
        assertThat(c.token()).isEqualTo(fx.server.token()).matches("[0-9a-f]{64}");
        assertThat(c.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(c.version()).isNotBlank();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void tokenIsKeptAcrossRestartsAndUrlRewritten() throws Exception {
        String token = fx.server.token();
        String url = fx.server.url().toString();
        fx.server.close();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The configured port is taken: an ephemeral one instead, and the file says which.
            LocalApiServer.Options options = new LocalApiServer.Options(taken.getLocalPort(),
                    fx.server.discoveryFile(), LocalApiServer.MAX_BODY_BYTES, 5);
            try (LocalApiServer again = LocalApiServer.start(fx.daemon, options)) {
                assertThat(again.token()).isEqualTo(token);
                assertThat(again.port()).isNotEqualTo(taken.getLocalPort());
                DiscoveryFile.Contents c = DiscoveryFile.read(again.discoveryFile());
                assertThat(c.token()).isEqualTo(token);
                assertThat(c.url()).isEqualTo(again.url().toString()).isNotEqualTo(url);
                assertThat(new ApiClient(again.url(), token).get("/daemon/status").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void portFromEnvironmentWinsOverConfig() throws Exception {
        WorkerConfig config = WorkerConfig.defaults();
        assertThat(LocalApiServer.port(config, Map.of())).isEqualTo(4787);
        assertThat(LocalApiServer.port(config.withValue("local_api_port", "5000"), Map.of())).isEqualTo(5000);
        assertThat(LocalApiServer.port(config, Map.of(LocalApiServer.PORT_ENV, "6001"))).isEqualTo(6001);
        assertThat(LocalApiServer.port(config, Map.of(LocalApiServer.PORT_ENV, "nope"))).isEqualTo(4787);
        assertThat(LocalApiServer.port(config, Map.of(LocalApiServer.PORT_ENV, "70000"))).isEqualTo(4787);
    }

    @Test
    void tokenNeverReachesTheLogRing() throws Exception {
        fx.api.withToken(null).get("/daemon/status");
        fx.api.raw("GET", "/daemon/status", "evil.example", "");
        assertThat(fx.daemon.logs().after(0, 10_000)).noneMatch(l -> l.message().contains(fx.server.token()));
    }
}
