package gg.minis.studio.worker.api.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.WorkerCapabilities;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.api.task.TimestampGranularity;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every frame and task kind against fixtures written from protocol.md: decode, re-encode, compare JSON trees. */
class WireJsonRoundTripTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = WireJsonRoundTripTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as("fixture %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static JsonNode tree(String json) throws IOException {
        return WireJson.mapper().readTree(json);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "worker-hello.json", "worker-heartbeat.json", "worker-accept.json", "worker-reject.json",
        "worker-completeJson.json", "worker-fail.json", "worker-logBatch.json", "worker-readyForMore.json"
    })
    void workerFramesRoundTripExactly(String name) throws Exception {
        String json = fixture(name);
        WorkerFrame frame = WireJson.decodeWorkerFrame(json);
        assertThat(tree(WireJson.encode(frame))).isEqualTo(tree(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "studio-welcome.json", "studio-heartbeatAck.json", "studio-completeAck.json", "studio-failAck.json",
        "studio-error.json", "studio-offer-image.json", "studio-offer-llm.json", "studio-offer-stt.json",
        "studio-offer-tts.json", "studio-offer-video.json"
    })
    void studioFramesRoundTripExactly(String name) throws Exception {
        String json = fixture(name);
        StudioFrame frame = WireJson.decodeStudioFrame(json);
        assertThat(tree(WireJson.encode(frame))).isEqualTo(tree(json));
    }

    @Test
    void capabilitiesKeepKindWireNamesAsMapKeys() throws Exception {
        String json = fixture("capabilities.json");
        WorkerCapabilities caps = WireJson.decode(json, WorkerCapabilities.class, "capabilities");
        assertThat(caps.taskKinds()).containsExactly(TaskKind.values());
        assertThat(caps.supportedModelsPerKind()).containsOnlyKeys(TaskKind.IMAGE, TaskKind.AUDIO_STT);
        assertThat(tree(WireJson.encode(caps))).isEqualTo(tree(json));
    }

    @Test
    void imageOfferDecodesEveryField() throws Exception {
        var offer = (StudioFrame.Offer) WireJson.decodeStudioFrame(fixture("studio-offer-image.json"));
        JobClaim claim = offer.claim();
        assertThat(claim.jobId()).isEqualTo("job-img");
        assertThat(claim.vramGbEstimate()).isEqualTo(8.5);
        var task = (ImageTask) claim.task();
        assertThat(task.kind()).isEqualTo(TaskKind.IMAGE);
        assertThat(task.seed()).isEqualTo(42L);
        assertThat(task.denoise()).isEqualTo(0.6);
        assertThat(claim.modelSource().file(ModelFileRole.VAE)).get()
                .satisfies(f -> assertThat(f.filename()).isEqualTo("vae.safetensors"));
        assertThat(claim.modelSource().file(ModelFileRole.DIFFUSION_MODEL).orElseThrow().approxBytes())
                .isEqualTo(6_800_000_000L);
        // Per-job values override cliDefaults.
        var params = task.resolve(claim.modelSource().cliDefaults());
        assertThat(params.width()).isEqualTo(768);
        assertThat(params.steps()).isEqualTo(4);
        assertThat(params.cfgScale()).isEqualTo(1.5);
        assertThat(params.samplingMethod()).isEqualTo("euler_a");
    }

    @Test
    void minimalImageOfferGetsDefaultsFromCliDefaultsThenProtocol() throws Exception {
        var claim = ((StudioFrame.Offer) WireJson.decodeStudioFrame(fixture("studio-offer-image-minimal.json"))).claim();
        assertThat(claim.prompt()).isEmpty();
        assertThat(claim.ext()).isEqualTo("webp");
        assertThat(claim.vramGbEstimate()).isZero();
        var task = (ImageTask) claim.task();
        assertThat(task.ext()).isEqualTo("webp");
        var params = task.resolve(claim.modelSource().cliDefaults());
        assertThat(params.width()).isEqualTo(512);
        assertThat(params.height()).isEqualTo(512);
        assertThat(params.steps()).isEqualTo(20);
        assertThat(params.negativePrompt()).isEmpty();
        // With model defaults, those apply where the job is silent.
        var withModel = task.resolve(new gg.minis.studio.worker.api.job.CliDefaults(
                7.0, 30, 1024, 768, "dpm++2m", null, null, null, null, null));
        assertThat(withModel.width()).isEqualTo(1024);
        assertThat(withModel.height()).isEqualTo(768);
        assertThat(withModel.steps()).isEqualTo(30);
        assertThat(withModel.cfgScale()).isEqualTo(7.0);
        assertThat(withModel.samplingMethod()).isEqualTo("dpm++2m");
        assertThat(claim.modelSource().files()).isEmpty();
    }

    @Test
    void taskDefaultsPerKind() throws Exception {
        LlmTask llm = decodeTask("{\"kind\":\"llm\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", LlmTask.class);
        assertThat(llm.maxTokens()).isEqualTo(512);
        assertThat(llm.temperature()).isEqualTo(0.7);
        assertThat(llm.stop()).isNull();
        LlmTask singleStop = decodeTask(
                "{\"kind\":\"llm\",\"messages\":[],\"stop\":\"END\"}", LlmTask.class);
        assertThat(singleStop.stop()).containsExactly("END");

        TtsTask tts = decodeTask("{\"kind\":\"audio_tts\",\"text\":\"hi\"}", TtsTask.class);
        assertThat(tts.voice()).isEqualTo("default");
        assertThat(tts.ext()).isEqualTo("wav");

        VideoTask video = decodeTask("{\"kind\":\"video\",\"prompt\":\"sea\"}", VideoTask.class);
        assertThat(video.seconds()).isEqualTo(2.0);
        assertThat(video.width()).isEqualTo(512);
        assertThat(video.height()).isEqualTo(512);
        assertThat(video.ext()).isEqualTo("mp4");

        SttTask stt = decodeTask("{\"kind\":\"audio_stt\",\"inputUrl\":\"https://a/b.wav\",\"timestamps\":\"segment\"}",
                SttTask.class);
        assertThat(stt.timestamps()).isEqualTo(TimestampGranularity.SEGMENT);
        assertThat(stt.translate()).isNull();
    }

    private static <T> T decodeTask(String taskJson, Class<T> type) throws ProtocolException {
        String claim = "{\"jobId\":\"j\",\"task\":" + taskJson + ",\"modelSource\":{\"engine\":\"synthetic\"}}";
        return type.cast(WireJson.decodeClaim(claim).task());
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        var frame = WireJson.decodeStudioFrame(
                "{\"type\":\"welcome\",\"workerId\":\"w\",\"serverTime\":\"t\",\"region\":\"eu\",\"extra\":{\"a\":1}}");
        assertThat(frame).isEqualTo(new StudioFrame.Welcome("w", "t"));
    }

    @Test
    void serverTimeAsNumberIsAccepted() throws Exception {
        var frame = (StudioFrame.Welcome) WireJson.decodeStudioFrame(
                "{\"type\":\"welcome\",\"workerId\":\"w\",\"serverTime\":1764237600000}");
        assertThat(frame.serverTime()).isEqualTo("1764237600000");
    }

    @Test
    void unknownErrorCodeIsTreatedAsInternalError() throws Exception {
        var frame = (StudioFrame.Error) WireJson.decodeStudioFrame("{\"type\":\"error\",\"code\":\"new_code\"}");
        assertThat(frame.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(frame.message()).isEmpty();
    }

    @Test
    void errorCodesMapOneToOneToCloseCodes() {
        assertThat(ErrorCode.AUTH_FAILED.closeCode()).isEqualTo(4001);
        assertThat(ErrorCode.PROTOCOL_VIOLATION.closeCode()).isEqualTo(4002);
        assertThat(ErrorCode.DUPLICATE_WORKER.closeCode()).isEqualTo(4003);
        assertThat(ErrorCode.WORKER_DELETED.closeCode()).isEqualTo(4004);
        assertThat(ErrorCode.INTERNAL_ERROR.closeCode()).isEqualTo(1000);
        assertThat(CloseCodes.describe(4003)).isEqualTo("4003 (duplicate worker)");
    }

    @Test
    void secretsAreRedactedInToString() {
        var caps = new WorkerCapabilities("m", "u", "v", "synthetic", 0, 12, true, false, List.of(), List.of(), null);
        assertThat(new WorkerFrame.Hello("s3cr3t-token", caps).toString()).doesNotContain("s3cr3t-token");
        assertThat(new gg.minis.studio.worker.api.registration.RegistrationStatus.Approved("w", "s3cr3t-token")
                .toString()).doesNotContain("s3cr3t-token");
    }
}
