package gg.minis.studio.worker.engines.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.api.task.ChatMessage;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.Task;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyntheticEngineTest {
    private final SyntheticEngine engine = SyntheticEngine.create();

    static JobClaim claim(Task task) {
        return claim(task, ModelSource.of(EngineIds.SYNTHETIC));
    }

    static JobClaim claim(Task task, ModelSource source) {
        return JobClaim.local("job-1", "synthetic", task, source);
    }

    private TaskResult run(Task task) throws EngineException {
        return engine.run(claim(task), p -> {}, CancellationToken.none());
    }

    static ImageTask image(int w, int h, String ext, Long seed) {
        return new ImageTask("a fox", null, null, null, null, null, null, null, seed, w, h, 5, ext);
    }

    static BufferedImage decode(byte[] bytes) throws Exception {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(image).as("a standard decoder opens it").isNotNull();
        return image;
    }

    @ParameterizedTest(name = "{0}x{1} {2}")
    @CsvSource({"512,512,png", "512,512,webp", "64,48,png", "96,160,webp", "33,17,gif", "8,8,PNG"})
    void imagesDecodeWithTheRequestedSizeAndFormat(int w, int h, String ext) throws Exception {
        var result = (BinaryResult) run(image(w, h, ext, 7L));
        assertThat(result.ext()).isEqualTo(ext.toLowerCase());
        BufferedImage decoded = decode(result.bytes());
        assertThat(decoded.getWidth()).isEqualTo(w);
        assertThat(decoded.getHeight()).isEqualTo(h);
    }

    @Test
    void sameClaimSameBytesAndSeedChangesThePicture() throws Exception {
        var a = (BinaryResult) run(image(64, 64, "png", 1L));
        var b = (BinaryResult) run(image(64, 64, "png", 1L));
        var c = (BinaryResult) run(image(64, 64, "png", 2L));
        assertThat(a.bytes()).isEqualTo(b.bytes());
        assertThat(decode(a.bytes()).getRGB(10, 10)).isNotEqualTo(decode(c.bytes()).getRGB(10, 10));
    }

    @Test
    void cliDefaultsApplyWhereTheJobIsSilent() throws Exception {
        var source = new ModelSource(EngineIds.SYNTHETIC, List.of(),
                new CliDefaults(null, 3, 96, 80, null, null, null, null, null, null));
        List<Progress> progress = new ArrayList<>();
        var result = (BinaryResult) engine.run(claim(ImageTask.of("x"), source), progress::add,
                CancellationToken.none());
        BufferedImage decoded = decode(result.bytes());
        assertThat(decoded.getWidth()).isEqualTo(96);
        assertThat(decoded.getHeight()).isEqualTo(80);
        assertThat(progress).filteredOn(p -> p.phase().equals("generate")).extracting(Progress::done)
                .containsExactly(1L, 2L, 3L);
        assertThat(result.ext()).isEqualTo("webp");
    }

    @Test
    void unsupportedImageExtIsAPermanentFailureNamingTheField() {
        assertThatThrownBy(() -> run(image(64, 64, "bmp", null)))
                .isInstanceOf(EngineException.class)
                .hasMessage("task.ext: unsupported image ext 'bmp' (expected png, webp or gif)")
                .satisfies(e -> assertThat(((EngineException) e).retryable()).isFalse());
    }

    @Test
    void badSizeIsRejectedWithTheFieldAndValue() {
        assertThatThrownBy(() -> run(image(0, 64, "png", null)))
                .hasMessage("task.width must be 1..4096, got 0");
        assertThatThrownBy(() -> run(image(64, 5000, "png", null)))
                .hasMessage("task.height must be 1..4096, got 5000");
    }

    @Test
    void chatCompletionHasTheOpenAiShape() throws Exception {
        var task = new LlmTask(List.of(new ChatMessage("user", "Hello there")), "be brief", 40, null, null, null,
                null, null, null);
        JsonNode json = ((JsonResult) run(task)).json();
        assertThat(json.path("object").asText()).isEqualTo("chat.completion");
        assertThat(json.path("model").asText()).isEqualTo("synthetic");
        JsonNode message = json.path("choices").path(0).path("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.path("content").asText()).startsWith("Synthetic reply to: Hello there");
        assertThat(json.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(json.path("usage").path("total_tokens").asInt())
                .isEqualTo(json.path("usage").path("prompt_tokens").asInt()
                        + json.path("usage").path("completion_tokens").asInt());
    }

    @Test
    void maxTokensCutsTheReplyWithFinishReasonLength() throws Exception {
        var task = new LlmTask(List.of(new ChatMessage("user", "Tell me everything")), null, 3, null, null, null,
                null, null, null);
        JsonNode json = ((JsonResult) run(task)).json();
        assertThat(json.path("choices").path(0).path("message").path("content").asText().split(" ")).hasSize(3);
        assertThat(json.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void jsonSchemaGivesParseableJsonOfThatShape() throws Exception {
        JsonNode schema = WireJson.mapper().readTree("""
                {"type":"object","properties":{"name":{"type":"string"},"level":{"type":"integer"},
                 "tags":{"type":"array","items":{"type":"string"}},"boss":{"type":"boolean"},
                 "kind":{"enum":["orc","elf"]}}}""");
        var task = new LlmTask(List.of(new ChatMessage("user", "npc")), null, null, null, null, null, schema, null,
                null);
        String content = ((JsonResult) run(task)).json().path("choices").path(0).path("message").path("content")
                .asText();
        JsonNode npc = WireJson.mapper().readTree(content);
        assertThat(npc.path("name").isTextual()).isTrue();
        assertThat(npc.path("level").isIntegralNumber()).isTrue();
        assertThat(npc.path("tags").isArray()).isTrue();
        assertThat(npc.path("boss").isBoolean()).isTrue();
        assertThat(npc.path("kind").asText()).isEqualTo("orc");
    }

    @Test
    void transcriptHasSegmentsAndWordsWhenAsked() throws Exception {
        var task = new SttTask("https://a.example/clip.wav", "de", null, null, null, TimestampGranularity.WORD);
        JsonNode json = ((JsonResult) run(task)).json();
        assertThat(json.path("language").asText()).isEqualTo("de");
        JsonNode segments = json.path("segments");
        assertThat(segments.size()).isPositive();
        StringBuilder joined = new StringBuilder();
        for (JsonNode segment : segments) {
            assertThat(segment.path("end").asDouble()).isGreaterThan(segment.path("start").asDouble());
            assertThat(segment.path("words").size()).isPositive();
            joined.append(joined.isEmpty() ? "" : " ").append(segment.path("text").asText());
        }
        assertThat(json.path("text").asText()).isEqualTo(joined.toString());
        assertThat(json.path("duration").asDouble()).isEqualTo(segments.get(segments.size() - 1).path("end").asDouble());
        var noWords = new SttTask("https://a.example/clip.wav", null, null, null, null, null);
        assertThat(((JsonResult) run(noWords)).json().path("segments").path(0).has("words")).isFalse();
    }

    @Test
    void ttsIsAWavThatJavaSoundOpensAndLengthTracksTheText() throws Exception {
        var shortResult = (BinaryResult) run(TtsTask.of("Hi"));
        var longResult = (BinaryResult) run(TtsTask.of("Hello there, traveller of the long road."));
        assertThat(shortResult.ext()).isEqualTo("wav");
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(longResult.bytes()))) {
            assertThat(in.getFormat().getSampleRate()).isEqualTo(24_000f);
            assertThat(in.getFormat().getChannels()).isEqualTo(1);
            assertThat(in.getFormat().getSampleSizeInBits()).isEqualTo(16);
            assertThat(in.getFrameLength()).isGreaterThan(24_000L); // > 1 s for 40 characters
        }
        assertThat(longResult.bytes().length).isGreaterThan(shortResult.bytes().length);
        assertThatThrownBy(() -> run(new TtsTask("x", null, null, null, "mp3")))
                .hasMessage("unsupported audio_tts ext 'mp3': the synthetic engine writes wav");
    }

    @ParameterizedTest
    @CsvSource({"gif", "webp"})
    void videoIsAnAnimationWithOneFramePerFrameTime(String ext) throws Exception {
        var result = (BinaryResult) run(new VideoTask("sea", null, null, 1.0, 6, 40, 24, ext));
        ImageReader reader = ImageIO.getImageReadersBySuffix(ext).next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(result.bytes()))) {
            reader.setInput(in);
            assertThat(reader.getNumImages(true)).isEqualTo(6);
            assertThat(reader.read(0).getWidth()).isEqualTo(40);
        } finally {
            reader.dispose();
        }
    }

    @Test
    void mp4VideoIsAClearUnsupportedExtFailure() {
        assertThatThrownBy(() -> run(new VideoTask("sea", null, null, null, null, null, null, null)))
                .isInstanceOf(EngineException.class)
                .hasMessage("unsupported video ext 'mp4': the synthetic engine writes animated gif or webp");
    }

    @Test
    void cancellationStopsAtTheNextStep() {
        CancellationToken cancel = new CancellationToken();
        var task = new ImageTask("x", null, null, null, null, null, null, null, null, 32, 32, 50, "png");
        assertThatThrownBy(() -> engine.run(claim(task), p -> {
            if (p.done() == 3) {
                cancel.cancel("operator");
            }
        }, cancel)).isInstanceOf(JobCancelledException.class).hasMessage("cancelled: operator")
                .satisfies(e -> assertThat(((EngineException) e).retryable()).isTrue());
    }

    @Test
    void servesOnlySyntheticSourcesUnlessStandIn() {
        assertThat(engine.supports(TaskKind.IMAGE, ModelSource.of("synthetic"))).isTrue();
        assertThat(engine.supports(TaskKind.IMAGE, ModelSource.of("sd-cpp"))).isFalse();
        assertThat(SyntheticEngine.standIn().supports(TaskKind.IMAGE, ModelSource.of("sd-cpp"))).isTrue();
        assertThat(engine.kinds()).containsExactlyInAnyOrder(TaskKind.values());
    }
}
