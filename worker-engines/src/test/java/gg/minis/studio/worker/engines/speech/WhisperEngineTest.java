package gg.minis.studio.worker.engines.speech;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_STT_MODEL;
import static gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_STT_PARAMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.JsonResult;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.engines.speech.TestWavs.Encoding;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.natives.SttModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Transcripts, parameters, audio formats and residency of {@link WhisperEngine} on sw_testbackend. */
class WhisperEngineTest extends WhisperFixture {
    @RegisterExtension
    static WireMockExtension http = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final Pattern RMS = Pattern.compile("rms=([0-9.]+)");

    @Test
    void identityAndRouting() {
        assertThat(engine.id()).isEqualTo("whisper-cpp");
        assertThat(engine.kinds()).containsExactly(TaskKind.AUDIO_STT);
        assertThat(engine.supports(TaskKind.AUDIO_STT, ModelSource.of("whisper-cpp"))).isTrue();
        assertThat(engine.supports(TaskKind.AUDIO_STT, ModelSource.of("parakeet"))).isFalse();
        assertThat(engine.supports(TaskKind.IMAGE, ModelSource.of("whisper-cpp"))).isFalse();
        assertThat(engine.models(TaskKind.AUDIO_STT)).isEmpty();
    }

    @Test
    void aWavServedOverHttpBecomesAVerboseTranscript() throws Exception {
        http.stubFor(get(urlPathEqualTo("/audio/clip.wav")).willReturn(aResponse().withBody(sineWav(2.5))));

        JsonNode json = run(claim(task(http.baseUrl() + "/audio/clip.wav?sig=secret")));

        assertThat(json.get("text").asText()).isEqualTo(
                "samples=16000 rms=0.3536 samples=16000 rms=0.3536 samples=8000 rms=0.3536");
        assertThat(json.get("language").asText()).isEqualTo("en");
        assertThat(json.get("duration").asDouble()).isEqualTo(2.5);
        assertThat(json.get("model").asText()).isEqualTo(MODEL_ID);
        JsonNode segments = json.get("segments");
        assertThat(segments).hasSize(3);
        assertThat(segments.get(1).get("id").asInt()).isEqualTo(1);
        assertThat(segments.get(1).get("start").asDouble()).isEqualTo(1.0);
        assertThat(segments.get(1).get("end").asDouble()).isEqualTo(2.0);
        assertThat(segments.get(2).get("end").asDouble()).isEqualTo(2.5);
        assertThat(segments.get(2).get("text").asText()).isEqualTo("samples=8000 rms=0.3536");
        assertThat(segments.get(0).has("words")).as("words only when asked").isFalse();
        assertThat(nativeBackend.echo(ECHO_STT_PARAMS)).containsEntry("n_samples", "40000")
                .containsEntry("language", "(null)").containsEntry("translate", "0")
                .containsEntry("word_timestamps", "0").containsEntry("cancel_flag", "set");
    }

    @Test
    void theTranscriptHasTheSyntheticEnginesShape() throws Exception {
        var task = task(fileUrl(sineWav(1.5)), null, null, null, TimestampGranularity.WORD);
        JsonNode real = run(claim(task));
        JsonNode synthetic;
        try (SyntheticEngine s = SyntheticEngine.create()) {
            synthetic = ((JsonResult) s.run(claim(task), p -> {}, CancellationToken.none())).json();
        }
        assertThat(fieldNames(real)).containsExactlyInAnyOrderElementsOf(fieldNames(synthetic));
        assertThat(fieldNames(real.get("segments").get(0)))
                .containsExactlyInAnyOrderElementsOf(fieldNames(synthetic.get("segments").get(0)));
        assertThat(fieldNames(real.get("segments").get(0).get("words").get(0)))
                .containsExactlyInAnyOrderElementsOf(fieldNames(synthetic.get("segments").get(0).get("words").get(0)));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void languageTranslatePromptAndWordTimestampsReachTheBackend() throws Exception {
        engine.close();
        engine = WhisperEngine.builder(files).backend(nativeBackend.backend()).ffmpeg(null).threads(3)
                .useGpu(false).build();
        var task = task(fileUrl(sineWav(1.0)), "DE", true, "Glossar: FFM, Grüße", TimestampGranularity.WORD);

        JsonNode json = run(claim(task, model("ggml-large-v3.bin")));

        assertThat(nativeBackend.echo(ECHO_STT_MODEL))
                .containsEntry("model_path", files.pathOf("ggml-large-v3.bin").toString())
                .containsEntry("n_threads", "3").containsEntry("use_gpu", "0");
        assertThat(nativeBackend.echo(ECHO_STT_PARAMS)).containsEntry("language", "de")
                .containsEntry("translate", "1").containsEntry("initial_prompt", "Glossar: FFM, Grüße")
                .containsEntry("word_timestamps", "1");
        assertThat(json.get("language").asText()).isEqualTo("de");
        JsonNode words = json.get("segments").get(0).get("words");
        assertThat(words).hasSize(2);
        assertThat(words.get(0).get("word").asText()).isEqualTo("samples=16000");
        assertThat(words.get(0).get("start").asDouble()).isEqualTo(0.0);
        assertThat(words.get(0).get("end").asDouble()).isEqualTo(0.5);
        assertThat(words.get(1).get("word").asText()).isEqualTo("rms=0.3536");
        assertThat(words.get(1).get("end").asDouble()).isEqualTo(1.0);
    }

    @Test
    void progressReportsDownloadLoadAndTranscription() throws Exception {
        run(claim(task(fileUrl(sineWav(3.0)))));
        assertThat(events).containsSubsequence(new Progress("download", 1, 1), new Progress("load", 0, 1),
                new Progress("load", 1, 1), new Progress("transcribe", 1, 3), new Progress("transcribe", 2, 3),
                new Progress("transcribe", 3, 3));
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of(Encoding.U8, 8000, 1), Arguments.of(Encoding.S16, 11025, 1),
                Arguments.of(Encoding.S16, 44100, 2), Arguments.of(Encoding.S24, 48000, 2),
                Arguments.of(Encoding.S24_EXTENSIBLE, 96000, 1), Arguments.of(Encoding.S32, 22050, 6),
                Arguments.of(Encoding.F32, 32000, 1), Arguments.of(Encoding.F32_EXTENSIBLE, 48000, 2),
                Arguments.of(Encoding.F64, 16000, 1), Arguments.of(Encoding.S16, 44101, 1));
    }

    @ParameterizedTest(name = "{0} {1} Hz {2} ch")
    @MethodSource("formats")
    void everyCommonWavLayoutArrivesAs16kMono(Encoding enc, int rate, int channels) throws Exception {
        double[] sine = TestWavs.sine(1.0, rate, 440, 0.5);
        double[][] all = new double[channels][];
        java.util.Arrays.fill(all, sine);

        JsonNode json = run(claim(task(fileUrl(TestWavs.wav(rate, enc, all)))));

        assertThat(nativeBackend.echo(ECHO_STT_PARAMS)).containsEntry("n_samples", "16000");
        assertThat(json.get("duration").asDouble()).isEqualTo(1.0);
        double tolerance = enc == Encoding.U8 ? 0.004 : 0.001;
        assertThat(rmsOf(json.get("text").asText())).isCloseTo(0.3536, within(tolerance));
    }

    @Test
    void oppositeChannelsDownmixToSilence() throws Exception {
        double[] left = TestWavs.sine(1.0, 44100, 440, 0.5);
        double[] right = java.util.Arrays.stream(left).map(v -> -v).toArray();
        JsonNode json = run(claim(task(fileUrl(TestWavs.wav(44100, Encoding.S16, left, right)))));
        assertThat(json.get("text").asText()).isEqualTo("samples=16000 rms=0.0000");
    }

    private static double rmsOf(String text) {
        Matcher m = RMS.matcher(text);
        assertThat(m.find()).as("rms in '%s'", text).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theModelStaysResidentAndAnotherModelReplacesIt() throws Exception {
        List<ModelFile> base = model("ggml-base.bin");
        long opened = nativeBackend.logCount("stt model opened");
        long closed = nativeBackend.logCount("stt model closed");
        run(claim(task(fileUrl(sineWav(1.0))), base));
        run(claim(task(fileUrl(sineWav(1.0))), base));
        assertThat(nativeBackend.logCount("stt model opened") - opened).isEqualTo(1);
        assertThat(nativeBackend.liveAllocations()).isEqualTo(1);
        SttModel resident = engine.residentModel().orElseThrow();
        assertThat(resident.modelPath()).isEqualTo(files.pathOf("ggml-base.bin"));
        assertThat(engine.isResident(resident)).isTrue();
        assertThat(engine.models(TaskKind.AUDIO_STT)).containsExactly(MODEL_ID);

        JobClaim small = gg.minis.studio.worker.engines.testing.Jobs.claim("whisper-small",
                task(fileUrl(sineWav(1.0))), EngineIds.WHISPER_CPP, model("ggml-small.bin"), null);
        run(small);
        assertThat(nativeBackend.logCount("stt model opened") - opened).isEqualTo(2);
        assertThat(nativeBackend.logCount("stt model closed") - closed).isEqualTo(1);
        assertThat(engine.models(TaskKind.AUDIO_STT)).containsExactly("whisper-small");
        assertThat(nativeBackend.liveAllocations()).isEqualTo(1);

        engine.unload();
        assertThat(engine.residentModel()).isEmpty();
        assertThat(nativeBackend.liveAllocations()).isZero();
    }

    @Test
    void theModelFileRoleMapsToTheModelPath() throws Exception {
        List<ModelFile> set = List.of(files.file(ModelFileRole.VAE, "unrelated.bin"),
                files.file(ModelFileRole.MODEL, "ggml-tiny.bin"));
        run(claim(task(fileUrl(sineWav(1.0))), set));
        assertThat(nativeBackend.echo(ECHO_STT_MODEL)).containsEntry("model_path",
                files.pathOf("ggml-tiny.bin").toString());
        assertThat(files.resolved()).extracting(ModelFile::filename).containsExactly("ggml-tiny.bin");
    }
}
