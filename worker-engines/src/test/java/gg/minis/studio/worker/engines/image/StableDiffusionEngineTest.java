package gg.minis.studio.worker.engines.image;

import static gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_IMAGE_MODEL;
import static gg.minis.studio.worker.natives.testing.NativeTestBackend.ECHO_IMAGE_PARAMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.CliDefaults;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.media.LibWebp;
import gg.minis.studio.worker.engines.media.WebpSettings;
import gg.minis.studio.worker.engines.testing.Jobs;
import gg.minis.studio.worker.natives.ImageContext;
import gg.minis.studio.worker.natives.ImageModel;
import gg.minis.studio.worker.natives.ImageParams;
import gg.minis.studio.worker.natives.ImagePixels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parameters, model files, output encoding and residency of {@link StableDiffusionEngine} on sw_testbackend. */
class StableDiffusionEngineTest extends SdFixture {

    @Test
    void identityAndRouting() {
        assertThat(engine.id()).isEqualTo("sd-cpp");
        assertThat(engine.kinds()).containsExactly(TaskKind.IMAGE);
        assertThat(engine.supports(TaskKind.IMAGE, ModelSource.of("sd-cpp"))).isTrue();
        assertThat(engine.supports(TaskKind.IMAGE, ModelSource.of("llama-cpp"))).isFalse();
        assertThat(engine.supports(TaskKind.VIDEO, ModelSource.of("sd-cpp"))).isFalse();
        assertThat(engine.models(TaskKind.IMAGE)).as("nothing resident yet").isEmpty();
        assertThat(engine.libraryName()).isEqualTo("sw_testbackend");
    }

    @Test
    void everyParameterAndModelFileReachesTheBackend() throws Exception {
        List<ModelFile> set = List.of(
                files.file(ModelFileRole.DIFFUSION_MODEL, "flux1-dev-Q4.gguf"),
                files.file(ModelFileRole.TEXT_ENCODER, "clip_l.safetensors"),
                files.file(ModelFileRole.TEXT_ENCODER, "t5xxl_fp8.safetensors"),
                files.file(ModelFileRole.VAE, "ae.safetensors"),
                files.file(ModelFileRole.LORA, "pixel-art.safetensors"));
        CliDefaults defaults = new CliDefaults(1.0, 4, 1024, 1024, "euler", 3.0, null, true, null, null);
        var task = Jobs.image().prompt("a red fox, pixel art").negativePrompt("blurry").size(640, 384).steps(7)
                .cfg(5.5).sampler("dpm++2m").seed(1234L).build();

        BinaryResult result = run(claim(task, set, defaults));

        Map<String, String> model = nativeBackend.echo(ECHO_IMAGE_MODEL);
        assertThat(model).containsEntry("model_path", "(null)")
                .containsEntry("diffusion_model_path", files.pathOf("flux1-dev-Q4.gguf").toString())
                .containsEntry("clip_l_path", files.pathOf("clip_l.safetensors").toString())
                .containsEntry("clip_g_path", "(null)")
                .containsEntry("t5xxl_path", files.pathOf("t5xxl_fp8.safetensors").toString())
                .containsEntry("llm_path", "(null)")
                .containsEntry("vae_path", files.pathOf("ae.safetensors").toString())
                .containsEntry("n_loras", "1")
                .containsEntry("loras[0]", files.pathOf("pixel-art.safetensors") + "*1")
                .containsEntry("offload_to_cpu", "1");
        Map<String, String> params = nativeBackend.echo(ECHO_IMAGE_PARAMS);
        assertThat(params).containsEntry("prompt", "a red fox, pixel art").containsEntry("negative_prompt", "blurry")
                .containsEntry("width", "640").containsEntry("height", "384").containsEntry("steps", "7")
                .containsEntry("cfg_scale", "5.5").containsEntry("sample_method", "dpm++2m")
                .containsEntry("seed", "1234").containsEntry("flow_shift", "3").containsEntry("strength", "0.75")
                .containsEntry("init_image", "(null)").containsEntry("mask_image", "(null)")
                .containsEntry("n_ref_images", "0").containsEntry("cancel_flag", "set");
        assertThat(files.resolved()).extracting(ModelFile::filename).containsExactlyInAnyOrder("flux1-dev-Q4.gguf",
                "clip_l.safetensors", "t5xxl_fp8.safetensors", "ae.safetensors", "pixel-art.safetensors");

        // The PNG holds exactly the pixels the backend paints for these parameters.
        assertThat(result.ext()).isEqualTo("png");
        var img = decode(result.bytes());
        assertThat(img.getWidth()).isEqualTo(640);
        assertThat(img.getHeight()).isEqualTo(384);
        ImageParams same = ImageParams.builder("a red fox, pixel art").negativePrompt("blurry").size(640, 384)
                .steps(7).cfgScale(5.5f).sampleMethod("dpm++2m").seed(1234).flowShift(3.0f).strength(0.75f).build();
        assertSamePixels(rgb(img), direct(engine.residentModel().orElseThrow(), same).data());
    }

    @Test
    void cliDefaultsFillWhatTheJobLeavesOut() throws Exception {
        CliDefaults defaults = new CliDefaults(2.0, 4, 768, 256, "euler_a", null, null, null, null, null);
        var task = Jobs.image().size(null, null).steps(3).seed(null).ext("webp").build();

        BinaryResult result = run(claim(task, checkpoint("sdxl.safetensors"), defaults));

        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS)).containsEntry("width", "768").containsEntry("height", "256")
                .containsEntry("steps", "3").containsEntry("cfg_scale", "2").containsEntry("sample_method", "euler_a")
                .containsEntry("seed", "-1").containsEntry("flow_shift", "0");
        assertThat(nativeBackend.echo(ECHO_IMAGE_MODEL)).containsEntry("offload_to_cpu", "0")
                .containsEntry("model_path", files.pathOf("sdxl.safetensors").toString());
        assertThat(result.ext()).isEqualTo("webp");
        assertThat(result.contentType()).isEqualTo("image/webp");
        var img = decode(result.bytes());
        assertThat(img.getWidth()).isEqualTo(768);
        assertThat(img.getHeight()).isEqualTo(256);
    }

    @Test
    void protocolDefaultsWithoutCliDefaults() throws Exception {
        run(claim(Jobs.image().size(null, null).steps(null).build()));
        assertThat(nativeBackend.echo(ECHO_IMAGE_PARAMS)).containsEntry("width", "512").containsEntry("height", "512")
                .containsEntry("steps", "20").containsEntry("cfg_scale", "7").containsEntry("sample_method", "(null)");
    }

    @Test
    void textEncodersGoToTheSlotTheirNameSuggests() throws Exception {
        List<ModelFile> set = List.of(
                files.file(ModelFileRole.DIFFUSION_MODEL, "qwen-image-Q4.gguf"),
                files.file(ModelFileRole.TEXT_ENCODER, "Qwen2.5-VL-7B-Instruct-Q8_0.gguf"),
                files.file(ModelFileRole.TEXT_ENCODER, "clip_g.safetensors"),
                files.file(ModelFileRole.TEXT_ENCODER_VISION, "mmproj.gguf"));
        run(claim(Jobs.image().build(), set, null));
        assertThat(nativeBackend.echo(ECHO_IMAGE_MODEL))
                .containsEntry("llm_path", files.pathOf("Qwen2.5-VL-7B-Instruct-Q8_0.gguf").toString())
                .containsEntry("clip_g_path", files.pathOf("clip_g.safetensors").toString())
                .containsEntry("clip_l_path", "(null)");
        assertThat(files.resolved()).extracting(ModelFile::filename).doesNotContain("mmproj.gguf");
    }

    @Test
    void progressReportsDownloadLoadAndEachStep() throws Exception {
        run(claim(Jobs.image().steps(5).build()));
        assertThat(events).containsSubsequence(new Progress("download", 1, 1), new Progress("load", 0, 1),
                new Progress("load", 1, 1), new Progress("generate", 1, 5), new Progress("generate", 2, 5),
                new Progress("generate", 3, 5), new Progress("generate", 4, 5), new Progress("generate", 5, 5),
                new Progress("encode", 1, 1));
        assertThat(events).filteredOn(p -> p.phase().equals("generate")).hasSize(5);
    }

    @Test
    void theModelStaysResidentAcrossJobs() throws Exception {
        List<ModelFile> set = checkpoint("sd15.safetensors");
        long opened = nativeBackend.logCount("image model opened");
        events.clear();
        run(claim(Jobs.image().prompt("one").build(), set, null));
        run(claim(Jobs.image().prompt("two").size(128, 64).steps(3).build(), set, null));
        run(claim(Jobs.image().prompt("three").build(), set, null));

        assertThat(nativeBackend.logCount("image model opened") - opened).as("opens").isEqualTo(1);
        assertThat(events).filteredOn(p -> p.phase().equals("load")).hasSize(2); // 0/1 and 1/1, once
        assertThat(nativeBackend.liveAllocations()).as("only the resident context").isEqualTo(1);
        ImageModel resident = engine.residentModel().orElseThrow();
        assertThat(resident.modelPath()).isEqualTo(files.pathOf("sd15.safetensors"));
        assertThat(engine.isResident(resident)).isTrue();
        assertThat(engine.models(TaskKind.IMAGE)).containsExactly(MODEL_ID);
        assertThat(engine.models(TaskKind.LLM)).isEmpty();

        engine.unload();
        assertThat(engine.residentModel()).isEmpty();
        assertThat(engine.models(TaskKind.IMAGE)).isEmpty();
        assertThat(nativeBackend.liveAllocations()).isZero();
        run(claim(Jobs.image().build(), set, null));
        assertThat(nativeBackend.logCount("image model opened") - opened).as("opens after unload").isEqualTo(2);
    }

    @Test
    void aChangedModelSetOrLoadOptionReloadsAfterClosingTheOldContext() throws Exception {
        ModelFile ckpt = files.file(ModelFileRole.MODEL, "sd15.safetensors");
        ModelFile vaeA = files.file(ModelFileRole.VAE, "vae-a.safetensors");
        ModelFile vaeB = files.file(ModelFileRole.VAE, "vae-b.safetensors");
        long opened = nativeBackend.logCount("image model opened");
        long closed = nativeBackend.logCount("image model closed");

        run(claim(Jobs.image().build(), List.of(ckpt, vaeA), null));
        run(claim(Jobs.image().build(), List.of(ckpt, vaeB), null));
        assertThat(engine.residentModel().orElseThrow().vaePath()).isEqualTo(files.pathOf("vae-b.safetensors"));
        CliDefaults offload = new CliDefaults(null, null, null, null, null, null, null, true, null, null);
        run(claim(Jobs.image().build(), List.of(ckpt, vaeB), offload));
        assertThat(engine.residentModel().orElseThrow().offloadToCpu()).isTrue();
        // cfg/steps/size/sampler defaults are per-generation, not load options: no reload
        CliDefaults sampling = new CliDefaults(3.0, 3, 64, 64, "heun", null, null, true, null, null);
        run(claim(Jobs.image().build(), List.of(ckpt, vaeB), sampling));

        assertThat(nativeBackend.logCount("image model opened") - opened).isEqualTo(3);
        assertThat(nativeBackend.logCount("image model closed") - closed).isEqualTo(2);
        assertThat(nativeBackend.liveAllocations()).as("never two contexts at once").isEqualTo(1);
    }

    @Test
    void losslessOutputMatchesTheBackendsDeterministicPixelsForEveryExt() throws Exception {
        // Pixel-exact needs a lossless format: png, or webp from the built-in encoder (lossy webp: the next test).
        engine.close();
        engine = StableDiffusionEngine.builder(files).backend(nativeBackend.backend()).webp(WebpSettings.lossless())
                .build();
        for (String ext : List.of("png", "webp", "PNG")) {
            BinaryResult r = run(claim(Jobs.image().size(96, 64).ext(ext).build()));
            assertThat(r.ext()).isEqualTo(ext.toLowerCase());
            if (ext.equals("webp")) {
                assertThat(chunk(r.bytes())).isEqualTo("VP8L");
            }
            assertSamePixels(rgb(decode(r.bytes())), direct(engine.residentModel().orElseThrow(), lighthouse()).data());
        }
        BinaryResult gif = run(claim(Jobs.image().ext("gif").build()));
        assertThat(gif.ext()).isEqualTo("gif");
        assertThat(decode(gif.bytes()).getWidth()).isEqualTo(64);
    }

    @Test
    void webpIsLossyThroughLibwebpByDefaultAndCloseToTheBackendsPixels() throws Exception {
        BinaryResult r = run(claim(Jobs.image().size(96, 64).ext("webp").build()));
        byte[] expected = direct(engine.residentModel().orElseThrow(), lighthouse()).data();
        byte[] actual = rgb(decode(r.bytes()));
        if (LibWebp.system().library() == null) { // the fallback: lossless, so exact
            assertThat(chunk(r.bytes())).isEqualTo("VP8L");
            assertSamePixels(actual, expected);
            return;
        }
        assertThat(chunk(r.bytes())).as("lossy VP8, not lossless VP8L").isEqualTo("VP8 ");
        // sw_testbackend paints uniform per-channel noise, which no lossy codec keeps pixel by pixel (4:2:0 chroma);
        // LibWebpTest checks per-pixel closeness on photo-like content. Here: each channel's mean survives.
        for (int c = 0; c < 3; c++) {
            assertThat(channelMean(actual, c)).as("mean of channel %d", c).isCloseTo(channelMean(expected, c),
                    offset(3.0));
        }
    }

    private static double channelMean(byte[] rgb, int channel) {
        long sum = 0;
        for (int i = channel; i < rgb.length; i += 3) {
            sum += rgb[i] & 0xff;
        }
        return sum / (rgb.length / 3.0);
    }

    @Test
    void webpQualityIsValidated() {
        var builder = StableDiffusionEngine.builder(files);
        assertThatThrownBy(() -> builder.webpQuality(101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("webp quality must be 0..100, got 101");
        assertThatThrownBy(() -> builder.webpQuality(-5)).hasMessage("webp quality must be 0..100, got -5");
    }

    private static ImageParams lighthouse() {
        return ImageParams.builder("a lighthouse at dusk").negativePrompt("").size(96, 64).steps(2).cfgScale(7f)
                .seed(42).strength(0.75f).build();
    }

    private static String chunk(byte[] webp) {
        return new String(webp, 12, 4, StandardCharsets.US_ASCII);
    }

    /** The pixels sw_testbackend paints for {@code params} on a fresh context of {@code model}. */
    private static ImagePixels direct(ImageModel model, ImageParams params) {
        try (ImageContext ctx = nativeBackend.backend().openImage(model)) {
            return ctx.generate(params);
        }
    }

    @Test
    void aJobOfAnotherKindIsRefused() {
        var claim = Jobs.claim("m", gg.minis.studio.worker.api.task.SttTask.of("file:/a.wav"), EngineIds.SD_CPP,
                checkpoint("x.gguf"), null);
        EngineException e = failure(claim);
        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("image");
    }
}
