package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiAssertions.assertError;
import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.runner.daemon.Thumbnails;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalApiJobsTest {
    @TempDir
    Path dir;

    private BlockingEngine engine;
    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        engine = new BlockingEngine();
        fx = new ApiFixture(dir, engine);
    }

    @AfterEach
    void stop() throws Exception {
        engine.release();
        fx.close();
    }

    @Test
    void imageReturnsDecodableBytesOfTheRightType() throws Exception {
        HttpResponse<byte[]> png = fx.api.post("/image", Map.of("prompt", "a red fox", "width", 96, "height", 64,
                "steps", 2, "seed", 7, "ext", "png"));
        assertThat(png.statusCode()).as(ApiClient.text(png)).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertThat(image.getWidth()).isEqualTo(96);
        assertThat(image.getHeight()).isEqualTo(64);
        assertThat(png.headers().firstValue("X-Job-Id")).hasValueSatisfying(id -> assertThat(id).startsWith("local-"));
        assertThat(png.headers().firstValue("X-Model")).hasValue("synthetic");

        HttpResponse<byte[]> webp = fx.api.post("/image", Map.of("prompt", "a red fox", "model", "synthetic",
                "width", 64, "height", 64, "steps", 1));
        assertThat(webp.statusCode()).isEqualTo(200);
        assertThat(webp.headers().firstValue("Content-Type")).hasValue("image/webp");
        assertThat(ImageIO.read(new ByteArrayInputStream(webp.body())).getWidth()).isEqualTo(64);
    }

    @Test
    void badImageFieldsAre400NamingFieldAndValue() throws Exception {
        assertError(fx.api.post("/image", Map.of("width", 64)), 400, "bad_request", "prompt");
        assertError(fx.api.post("/image", Map.of("prompt", "  ")), 400, "bad_request", "prompt");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "width", "big")), 400, "bad_request",
                "'width'", "\"big\"");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "height", 100_000)), 400, "bad_request",
                "'height'", "100000");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "steps", 0)), 400, "bad_request", "'steps'", "0");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "ext", "bmp")), 400, "bad_request", "'ext'",
                "\"bmp\"");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "seed", 1.5)), 400, "bad_request", "'seed'", "1.5");
        assertError(fx.api.post("/image", Map.of("prompt", 42)), 400, "bad_request", "'prompt'", "42");
        assertError(fx.api.post("/image", Map.of("prompt", "x", "model", "sdxl")), 400, "unknown_model", "sdxl",
                "synthetic");
    }

    @Test
    void chatCompletionIsOpenAiShaped() throws Exception {
        Map<String, Object> request = Map.of("model", "synthetic", "max_tokens", 64, "temperature", 0.2,
                "messages", List.of(Map.of("role", "system", "content", "be brief"),
                        Map.of("role", "user", "content", "hello there")));
        HttpResponse<byte[]> res = fx.api.post("/v1/chat/completions", request);
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(200);
        JsonNode body = json(res);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("id").asText()).isNotBlank();
        assertThat(body.path("created").asLong()).isPositive();
        assertThat(body.path("model").asText()).isEqualTo("synthetic");
        JsonNode choice = body.path("choices").path(0);
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).contains("hello there");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("total_tokens").asInt()).isPositive();
    }

    @Test
    void chatStreamIsServerSentChunksEndingWithDone() throws Exception {
        Map<String, Object> base = Map.of("messages", List.of(Map.of("role", "user", "content",
                List.of(Map.of("type", "text", "text", "stream me please")))));
        String expected = json(fx.api.post("/v1/chat/completions", base)).path("choices").path(0).path("message")
                .path("content").asText();

        Map<String, Object> streaming = new java.util.HashMap<>(base);
        streaming.put("stream", true);
        streaming.put("stream_options", Map.of("include_usage", true));
        HttpResponse<byte[]> res = fx.api.post("/v1/chat/completions", streaming);
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        List<String> data = new ArrayList<>();
        for (String event : new String(res.body(), StandardCharsets.UTF_8).split("\n\n")) {
            assertThat(event).startsWith("data: ");
            data.add(event.substring("data: ".length()));
        }
        assertThat(data.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            chunks.add(WireJson.mapper().readTree(d));
        }
        assertThat(chunks).allSatisfy(c -> assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks.stream().map(c -> c.path("id").asText()).distinct()).hasSize(1);
        assertThat(chunks.getFirst().path("choices").path(0).path("delta").path("role").asText())
                .isEqualTo("assistant");
        StringBuilder content = new StringBuilder();
        int contentChunks = 0;
        for (JsonNode c : chunks) {
            JsonNode delta = c.path("choices").path(0).path("delta");
            if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
                content.append(delta.path("content").asText());
                contentChunks++;
            }
        }
        assertThat(content.toString()).isEqualTo(expected);
        assertThat(contentChunks).isEqualTo(expected.split("\\s+").length).isGreaterThan(1);
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertThat(finish.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.getLast().path("usage").path("total_tokens").asInt()).isPositive();
    }

    @Test
    void chatJsonSchemaAndValidation() throws Exception {
        Map<String, Object> schema = Map.of("type", "object", "properties", Map.of("name", Map.of("type", "string"),
                "age", Map.of("type", "integer")));
        HttpResponse<byte[]> res = fx.api.post("/v1/chat/completions", Map.of(
                "messages", List.of(Map.of("role", "user", "content", "a person")),
                "response_format", Map.of("type", "json_schema", "json_schema", Map.of("name", "p", "schema", schema))));
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode content = WireJson.mapper().readTree(json(res).path("choices").path(0).path("message")
                .path("content").asText());
        assertThat(content.path("name").isTextual()).isTrue();
        assertThat(content.path("age").isInt()).isTrue();

        assertError(fx.api.post("/v1/chat/completions", Map.of()), 400, "bad_request", "messages");
        assertError(fx.api.post("/v1/chat/completions", Map.of("messages", List.of())), 400, "bad_request",
                "'messages'");
        assertError(fx.api.post("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "wizard",
                "content", "x")))), 400, "bad_request", "messages[0].role", "\"wizard\"");
        assertError(fx.api.post("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user",
                "content", "x")), "temperature", 3)), 400, "bad_request", "'temperature'", "3");
        assertError(fx.api.post("/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user",
                "content", "x")), "model", "gpt-4o")), 400, "unknown_model", "gpt-4o");
    }

    @Test
    void speechRoutes() throws Exception {
        HttpResponse<byte[]> tts = fx.api.post("/tts", Map.of("text", "hello", "speed", 1.5));
        assertThat(tts.statusCode()).as(ApiClient.text(tts)).isEqualTo(200);
        assertThat(tts.headers().firstValue("Content-Type")).hasValue("audio/wav");
        assertThat(new String(tts.body(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertError(fx.api.post("/tts", Map.of("text", "hello", "speed", 9)), 400, "bad_request", "'speed'", "9");
        assertError(fx.api.post("/tts", Map.of("voice", "x")), 400, "bad_request", "text");
        // The engine refuses mp3: a permanent engine failure is 422 engine_error.
        HttpResponse<byte[]> mp3 = fx.api.post("/tts", Map.of("text", "hello", "ext", "mp3"));
        assertError(mp3, 422, "engine_error", "mp3");
        assertThat(json(mp3).path("retryable").asBoolean()).isFalse();

        HttpResponse<byte[]> stt = fx.api.post("/stt", Map.of("inputUrl", "https://example.com/a.wav",
                "language", "de"));
        assertThat(stt.statusCode()).as(ApiClient.text(stt)).isEqualTo(200);
        assertThat(json(stt).path("text").asText()).isNotBlank();
        assertThat(json(stt).path("language").asText()).isEqualTo("de");
        assertError(fx.api.post("/stt", Map.of("inputUrl", "file:///etc/passwd")), 400, "bad_request",
                "'inputUrl'", "file:///etc/passwd");
    }

    @Test
    void modelsPerKind() throws Exception {
        JsonNode models = json(fx.api.get("/models"));
        assertThat(models.path("engine").asText()).isEqualTo("synthetic");
        for (String kind : new String[] {"image", "llm", "audio_stt", "audio_tts", "video"}) {
            assertThat(models.path("models").path(kind).get(0).asText()).as(kind).isEqualTo("synthetic");
        }
        JsonNode openAi = json(fx.api.get("/v1/models"));
        assertThat(openAi.path("data").get(0).path("id").asText()).isEqualTo("synthetic");
    }

    @Test
    void jobsAreListedWithLogsAndThumbnails() throws Exception {
        HttpResponse<byte[]> image = fx.api.post("/image", Map.of("prompt", "big", "width", 1024, "height", 512,
                "steps", 1));
        String imageJob = image.headers().firstValue("X-Job-Id").orElseThrow();
        HttpResponse<byte[]> tts = fx.api.post("/tts", Map.of("text", "hi"));
        String ttsJob = tts.headers().firstValue("X-Job-Id").orElseThrow();
        fx.api.post("/tts", Map.of("text", "hi", "ext", "mp3")); // fails

        JsonNode jobs = json(fx.api.get("/jobs")).path("jobs");
        assertThat(jobs).hasSize(3);
        JsonNode failed = jobs.get(0);
        assertThat(failed.path("outcome").asText()).isEqualTo("failed");
        assertThat(failed.path("error").asText()).contains("mp3");
        JsonNode first = jobs.get(2);
        assertThat(first.path("id").asText()).isEqualTo(imageJob);
        assertThat(first.path("source").asText()).isEqualTo("local");
        assertThat(first.path("kind").asText()).isEqualTo("image");
        assertThat(first.path("model").asText()).isEqualTo("synthetic");
        assertThat(first.path("outcome").asText()).isEqualTo("completed");
        assertThat(first.path("durationMs").isNumber()).isTrue();
        assertThat(first.path("startedAt").asText()).isNotBlank();
        assertThat(first.path("error").isNull()).isTrue();
        assertThat(json(fx.api.get("/jobs?limit=1")).path("jobs")).hasSize(1);
        assertError(fx.api.get("/jobs?limit=zero"), 400, "bad_request", "'limit'", "zero");

        HttpResponse<byte[]> thumb = fx.api.get("/jobs/" + imageJob + "/thumbnail");
        assertThat(thumb.statusCode()).isEqualTo(200);
        assertThat(thumb.headers().firstValue("Content-Type")).hasValue("image/png");
        BufferedImage t = ImageIO.read(new ByteArrayInputStream(thumb.body()));
        assertThat(t.getWidth()).isEqualTo(Thumbnails.MAX_SIDE);
        assertThat(t.getHeight()).isEqualTo(Thumbnails.MAX_SIDE / 2);
        assertError(fx.api.get("/jobs/" + ttsJob + "/thumbnail"), 404, "not_found");
        assertError(fx.api.get("/jobs/nope/thumbnail"), 404, "not_found");

        JsonNode log = json(fx.api.get("/jobs/" + imageJob + "/log"));
        assertThat(log.path("jobId").asText()).isEqualTo(imageJob);
        List<String> messages = new ArrayList<>();
        log.path("lines").forEach(l -> messages.add(l.path("message").asText()));
        assertThat(messages).anyMatch(m -> m.contains("running local job " + imageJob));
        assertThat(log.path("lines").get(0).path("seq").asLong()).isPositive();
        assertError(fx.api.get("/jobs/nope/log"), 404, "not_found");
        assertThat(json(fx.api.get("/jobs/" + ttsJob)).path("kind").asText()).isEqualTo("audio_tts");
    }

    @Test
    void aSecondLocalJobWhileOneRunsIsBusy() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return fx.api.post("/image", Map.of("prompt", "block me", "width", 32, "height", 32, "steps", 1));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        engine.awaitBlocked();
        HttpResponse<byte[]> second = fx.api.post("/v1/chat/completions", Map.of("messages",
                List.of(Map.of("role", "user", "content", "x"))));
        assertError(second, 503, "busy", "local job local-");
        assertThat(second.headers().firstValue("Retry-After")).hasValue("5");
        JsonNode health = json(fx.api.get("/healthz"));
        assertThat(health.path("busy").asBoolean()).isTrue();
        JsonNode status = json(fx.api.get("/daemon/status"));
        assertThat(status.path("busy").asBoolean()).isTrue();
        assertThat(status.path("currentJob").path("source").asText()).isEqualTo("local");
        assertThat(status.path("currentJob").path("outcome").asText()).isEqualTo("running");

        engine.release();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(fx.api.post("/v1/chat/completions", Map.of("messages",
                List.of(Map.of("role", "user", "content", "x")))).statusCode()).isEqualTo(200);
        assertThat(json(fx.api.get("/healthz")).path("busy").asBoolean()).isFalse();
    }

    @Test
    void anEngineBugIs500AndTheServerCarriesOn() throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/image", Map.of("prompt", "crash please"));
        assertError(res, 500, "internal_error");
        assertThat(ApiClient.text(res)).doesNotContain("IllegalStateException");
        JsonNode job = json(fx.api.get("/jobs")).path("jobs").get(0);
        assertThat(job.path("outcome").asText()).isEqualTo("failed");
        assertThat(job.path("error").asText()).contains("engine bug for a test");
        assertThat(json(fx.api.get("/healthz")).path("busy").asBoolean()).isFalse();
        assertThat(fx.api.post("/image", Map.of("prompt", "fine", "steps", 1)).statusCode()).isEqualTo(200);
    }
}
