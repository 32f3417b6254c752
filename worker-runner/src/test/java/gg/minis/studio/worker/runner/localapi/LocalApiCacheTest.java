package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /cache}: the model cache under a temp {@code models_root}, over real HTTP. */
class LocalApiCacheTest {
    @TempDir
    Path dir;

    private Path root;
    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        root = dir.resolve("models");
        Files.createDirectories(root.resolve("image"));
        Files.createDirectories(root.resolve("llm"));
        fx = new ApiFixture(dir, SyntheticEngine.create(), c -> c.withValue("models_root", root.toString()));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    private static Map<String, Object> entry(String id, String kind, String... filenames) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("displayName", id);
        e.put("kind", kind);
        e.put("vramGbEstimate", 1.0);
        e.put("source", Map.of("engine", "synthetic", "files", Stream.of(filenames)
                .map(f -> Map.of("role", "diffusion-model", "url", "https://models.example/" + f, "filename", f))
                .toList()));
        return e;
    }

    private void write(String relative, int size) throws Exception {
        Files.write(root.resolve(relative), new byte[size]);
    }

    /** Verifies it through the API, which writes the sidecar. */
    private void verified(String kind, String filename) throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/cache/verify", Map.of("kind", kind, "filename", filename));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
    }

    @Test
    void listShowsFilesSidecarsAndPartials() throws Exception {
        write("image/a.gguf", 1000);
        verified("image", "a.gguf");
        write("image/b.gguf", 10);
        write("llm/c.gguf.part", 300);

        JsonNode body = json(fx.api.get("/cache"));
        assertThat(body.path("root").asText()).isEqualTo(root.toAbsolutePath().normalize().toString());
        assertThat(body.path("freeBytes").asLong()).isPositive();
        assertThat(body.path("totalBytes").asLong()).isGreaterThanOrEqualTo(body.path("freeBytes").asLong());
        assertThat(body.path("files")).hasSize(3);
        JsonNode a = body.path("files").get(0);
        assertThat(a.path("kind").asText()).isEqualTo("image");
        assertThat(a.path("filename").asText()).isEqualTo("a.gguf");
        assertThat(a.path("bytes").asLong()).isEqualTo(1000);
        assertThat(a.path("verified").asBoolean()).isTrue();
        assertThat(a.path("partial").asBoolean()).isFalse();
        assertThat(body.path("files").get(1).path("verified").asBoolean()).isFalse();
        JsonNode c = body.path("files").get(2);
        assertThat(c.path("filename").asText()).isEqualTo("c.gguf");
        assertThat(c.path("partial").asBoolean()).isTrue();
        assertThat(c.path("partialBytes").asLong()).isEqualTo(300);
    }

    @Test
    void verifyReportsOkThenMismatchAfterACorruptByte() throws Exception {
        write("image/a.gguf", 4096);
        verified("image", "a.gguf");
        JsonNode ok = json(fx.api.post("/cache/verify", ""));
        assertThat(ok.path("ok").asBoolean()).isTrue();
        assertThat(ok.path("results").get(0).path("status").asText()).isEqualTo("ok");

        Path p = root.resolve("image/a.gguf");
        FileTime mtime = Files.getLastModifiedTime(p);
        byte[] bytes = Files.readAllBytes(p);
        bytes[7] = 1;
        Files.write(p, bytes);
        Files.setLastModifiedTime(p, mtime);
        HttpResponse<byte[]> res = fx.api.post("/cache/verify", Map.of("kind", "image", "filename", "a.gguf"));
        JsonNode bad = json(res);
        assertThat(bad.path("ok").asBoolean()).isFalse();
        assertThat(bad.path("results").get(0).path("status").asText()).isEqualTo("mismatch");
        assertThat(json(fx.api.get("/cache")).path("files").get(0).path("verified").asBoolean()).isFalse();
    }

    @Test
    void verifyComparesWithTheCatalogSha() throws Exception {
        write("image/a.gguf", 16);
        Map<String, Object> e = entry("fox", "image");
        e.put("source", Map.of("engine", "synthetic", "files", List.of(Map.of("role", "diffusion-model",
                "url", "https://models.example/a.gguf", "filename", "a.gguf", "sha256", "ab".repeat(32)))));
        assertThat(fx.api.post("/models", e).statusCode()).isEqualTo(201);
        JsonNode r = json(fx.api.post("/cache/verify", Map.of())).path("results").get(0);
        assertThat(r.path("status").asText()).isEqualTo("mismatch");
        assertThat(r.path("expected").asText()).isEqualTo("ab".repeat(32));
    }

    @Test
    void badBodiesAre400NamingTheFieldAndAnUnknownFileIs404() throws Exception {
        HttpResponse<byte[]> noFile = fx.api.post("/cache/verify", Map.of("kind", "image"));
        assertError(noFile, 400, ErrorCodes.BAD_REQUEST, "'filename'");
        assertThat(json(noFile).path("field").asText()).isEqualTo("filename");

        HttpResponse<byte[]> badKind = fx.api.post("/cache/verify", Map.of("kind", "painting", "filename", "a"));
        assertError(badKind, 400, ErrorCodes.BAD_REQUEST, "'kind'", "painting");
        assertThat(json(badKind).path("field").asText()).isEqualTo("kind");

        HttpResponse<byte[]> escape = fx.api.post("/cache/verify", Map.of("kind", "image", "filename", "../x"));
        assertError(escape, 400, ErrorCodes.BAD_REQUEST, "'filename'");
        assertThat(json(escape).path("field").asText()).isEqualTo("filename");

        HttpResponse<byte[]> notString = fx.api.post("/cache/verify", Map.of("kind", 3, "filename", "a"));
        assertError(notString, 400, ErrorCodes.BAD_REQUEST, "'kind'");

        assertError(fx.api.post("/cache/verify", "[1]"), 400, ErrorCodes.BAD_REQUEST, "JSON object");
        assertError(fx.api.post("/cache/verify", Map.of("kind", "image", "filename", "nope.gguf")), 404,
                ErrorCodes.NOT_FOUND, "image/nope.gguf");
    }

    @Test
    void pruneKeepsCatalogFilesAndRemovesTheRest() throws Exception {
        assertThat(fx.api.post("/models", entry("fox", "image", "fox.gguf", "vae.gguf")).statusCode())
                .isEqualTo(201);
        write("image/fox.gguf", 100);
        write("image/vae.gguf", 50);
        write("image/old.gguf", 2000);
        verified("image", "fox.gguf");
        verified("image", "old.gguf");
        write("image/old.gguf.lock", 0);
        write("llm/fox.gguf", 70); // the same name under another kind is not referenced
        write("llm/stale.gguf.part", 30);
        Path outside = dir.resolve("outside.gguf");
        Files.write(outside, new byte[5]);

        long markerBytes = Files.size(root.resolve("image/old.gguf.verified"));
        HttpResponse<byte[]> res = fx.api.post("/cache/prune", "");
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.path("removed").findValuesAsText("filename")).containsExactlyInAnyOrder(
                "old.gguf", "old.gguf.verified", "old.gguf.lock", "fox.gguf", "stale.gguf.part");
        assertThat(body.path("freedBytes").asLong()).isEqualTo(2000 + 70 + 30 + markerBytes);
        try (Stream<Path> left = Files.list(root.resolve("image"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("fox.gguf", "fox.gguf.verified", "vae.gguf");
        }
        try (Stream<Path> left = Files.list(root.resolve("llm"))) {
            assertThat(left).isEmpty();
        }
        assertThat(outside).exists();
        assertThat(dir.resolve("config.toml")).exists();
    }

    @Test
    void cacheRoutesNeedTheToken() throws Exception {
        ApiClient anonymous = new ApiClient(fx.server.url(), null);
        assertError(anonymous.get("/cache"), 401, ErrorCodes.UNAUTHORIZED);
        assertError(anonymous.post("/cache/prune", ""), 401, ErrorCodes.UNAUTHORIZED);
    }
}
